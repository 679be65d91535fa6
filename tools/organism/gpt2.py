"""GPT-2 in PyTorch with Hugging Face parameter names and layouts (Conv1D weights are (in, out)), so the
state dict is saved as-is to model.safetensors. Hook-able: forward can return each layer's MLP input and output."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import st_io


class Block(nn.Module):
    def __init__(self, d, n_head, eps):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = nn.Module()
        self.attn.c_attn = Conv1D(d, 3 * d)
        self.attn.c_proj = Conv1D(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = nn.Module()
        self.mlp.c_fc = Conv1D(d, 4 * d)
        self.mlp.c_proj = Conv1D(4 * d, d)

    def attention(self, x):
        B, T, D = x.shape
        q, k, v = self.attn.c_attn(x).split(D, dim=2)
        hd = D // self.n_head
        q, k, v = (t.view(B, T, self.n_head, hd).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float('-inf')).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        return self.attn.c_proj(y)

    def mlp_fn(self, u):
        return self.mlp.c_proj(F.gelu(self.mlp.c_fc(u), approximate='tanh'))

    def forward(self, x, mlp_replace=None, record=None):
        x = x + self.attention(self.ln_1(x))
        u = self.ln_2(x)  # mlp.hook_in
        out = self.mlp_fn(u) if mlp_replace is None else mlp_replace(u)  # mlp.hook_out
        if record is not None:
            record.append((u, out))
        return x + out


class Conv1D(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out).normal_(0, 0.02))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


class GPT2(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        d, eps = cfg['n_embd'], cfg['layer_norm_epsilon']
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(cfg['vocab_size'], d)
        self.transformer.wpe = nn.Embedding(cfg['n_positions'], d)
        self.transformer.h = nn.ModuleList(Block(d, cfg['n_head'], eps) for _ in range(cfg['n_layer']))
        self.transformer.ln_f = nn.LayerNorm(d, eps=eps)
        nn.init.normal_(self.transformer.wte.weight, 0, 0.02)
        nn.init.normal_(self.transformer.wpe.weight, 0, 0.01)
        for b in self.transformer.h:
            for p in (b.attn.c_proj.weight, b.mlp.c_proj.weight):
                nn.init.normal_(p, 0, 0.02 / math.sqrt(2 * cfg['n_layer']))

    def forward(self, idx, mlp_replace=None, record=None):
        """mlp_replace: optional {layer: fn(u) -> mlp_out}; record: optional list receiving (u, mlp_out) per layer."""
        pos = torch.arange(idx.shape[1], device=idx.device)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for i, b in enumerate(self.transformer.h):
            x = b(x, (mlp_replace or {}).get(i), record)
        return self.transformer.ln_f(x) @ self.transformer.wte.weight.T

    def save(self, model_dir, extra_config):
        cfg = {
            'architectures': ['GPT2LMHeadModel'], 'model_type': 'gpt2',
            'vocab_size': self.cfg['vocab_size'], 'n_positions': self.cfg['n_positions'], 'n_ctx': self.cfg['n_positions'],
            'n_embd': self.cfg['n_embd'], 'n_layer': self.cfg['n_layer'], 'n_head': self.cfg['n_head'], 'n_inner': None,
            'activation_function': 'gelu_new', 'layer_norm_epsilon': self.cfg['layer_norm_epsilon'],
            'resid_pdrop': 0.0, 'embd_pdrop': 0.0, 'attn_pdrop': 0.0, 'initializer_range': 0.02,
            'scale_attn_weights': True, 'tie_word_embeddings': True, 'use_cache': True,
            'bos_token_id': self.cfg['bos_token_id'], 'eos_token_id': self.cfg['eos_token_id'],
            'torch_dtype': 'float32', **extra_config,
        }
        with open(f'{model_dir}/config.json', 'w') as f:
            json.dump(cfg, f, indent=2)
        st_io.save(f'{model_dir}/model.safetensors', {k: v.detach().numpy() for k, v in self.state_dict().items()},
                   {'format': 'pt'})

    @classmethod
    def load(cls, model_dir):
        cfg = json.load(open(f'{model_dir}/config.json'))
        m = cls(cfg)
        sd = st_io.load(f'{model_dir}/model.safetensors')
        m.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
        return m.eval()
