"""Independent PyTorch reference for the Llama 3 and Qwen3 families (issue 12), written from transformers' published
definitions (models/llama/modeling_llama.py, models/qwen3/modeling_qwen3.py, modeling_rope_utils.py) without
importing transformers: RMSNorm, RoPE (rotate-half; rope_scaling llama3 / linear, inv_freq in fp32 as HF computes
it), GQA (repeat_kv), SwiGLU, Qwen3's per-head q/k RMSNorm before RoPE, tied or untied head.

Writes, per fixture, a random checkpoint in the family's exact tensor names and config fields (bf16 on disk; the
Qwen3 one sharded with model.safetensors.index.json), a tiny byte-level tokenizer.json in the family's layout,
random transcoders in circuit-tracer's layout, and expected.safetensors with the logits and every intermediate for
three prompts plus the full attribution adjacency from autograd on the local replacement model (fp64).

    /usr/bin/python3 tools/reference/families_ref.py test/fixtures/families
"""

import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attribution_ref import Transcoders, adjacency_by_autograd, reference_graph  # noqa: E402
from gpt2_ref import write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rope_inv_freq(cfg, dim):
    """transformers' _compute_default / _linear / _llama3 rope parameters, in fp32 as there"""
    base = cfg.get('rope_theta', 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    rs = cfg.get('rope_scaling')
    if not rs:
        return inv
    kind = rs.get('rope_type', rs.get('type'))
    if kind == 'linear':
        return inv / rs['factor']
    assert kind == 'llama3'
    factor, lo, hi, old = rs['factor'], rs['low_freq_factor'], rs['high_freq_factor'], rs['original_max_position_embeddings']
    low_wl, high_wl = old / lo, old / hi
    wavelen = 2 * math.pi / inv
    inv_l = torch.where(wavelen > low_wl, inv / factor, inv)
    smooth = (old / wavelen - lo) / (hi - lo)
    smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
    medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
    return torch.where(medium, smoothed, inv_l)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rms(x, w, eps, frozen=False):
    """LlamaRMSNorm: x · rsqrt(mean(x²) + eps) · w; returns (out, normalized, scale) with scale = sqrt(mean + eps)"""
    scale = (x.pow(2).mean(-1, keepdim=True) + eps).sqrt()
    if frozen:
        scale = scale.detach()
    n = x / scale
    return n * w, n, scale


class LlamaLike:
    def __init__(self, cfg, seed, qk_norm):
        self.cfg, self.qk_norm = cfg, qk_norm
        g = torch.Generator().manual_seed(seed)
        d, F, V, L = cfg['hidden_size'], cfg['intermediate_size'], cfg['vocab_size'], cfg['num_hidden_layers']
        H = cfg['num_attention_heads']
        Hkv = cfg.get('num_key_value_heads') or H
        hd = cfg.get('head_dim') or d // H
        self.H, self.Hkv, self.hd = H, Hkv, hd
        lin = lambda o, i, s=1.0: torch.randn(o, i, generator=g) * s / math.sqrt(i)
        gain = lambda n: 1 + torch.randn(n, generator=g) * 0.1
        p = {'model.embed_tokens.weight': torch.randn(V, d, generator=g) * 0.3}
        for l in range(L):
            h = f'model.layers.{l}.'
            p[h + 'input_layernorm.weight'] = gain(d)
            p[h + 'self_attn.q_proj.weight'] = lin(H * hd, d, 2.0)
            p[h + 'self_attn.k_proj.weight'] = lin(Hkv * hd, d, 2.0)
            p[h + 'self_attn.v_proj.weight'] = lin(Hkv * hd, d)
            p[h + 'self_attn.o_proj.weight'] = lin(d, H * hd)
            if qk_norm:
                p[h + 'self_attn.q_norm.weight'] = gain(hd)
                p[h + 'self_attn.k_norm.weight'] = gain(hd)
            p[h + 'post_attention_layernorm.weight'] = gain(d)
            p[h + 'mlp.gate_proj.weight'] = lin(F, d)
            p[h + 'mlp.up_proj.weight'] = lin(F, d)
            p[h + 'mlp.down_proj.weight'] = lin(d, F)
        p['model.norm.weight'] = gain(d)
        if not cfg.get('tie_word_embeddings', False):
            p['lm_head.weight'] = lin(V, d, 4.0)
        # the checkpoint is bf16: the reference runs on exactly the values stored
        self.p = {k: v.to(torch.bfloat16).to(torch.float64) for k, v in p.items()}
        self.W_U = self.p.get('lm_head.weight', self.p['model.embed_tokens.weight'])

    def save(self, folder, shards=1):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, 'config.json'), 'w') as f:
            json.dump(self.cfg, f, indent=2)
        names = list(self.p)
        if shards == 1:
            write_safetensors(os.path.join(folder, 'model.safetensors'), self.p, dtype='BF16')
            return
        per = math.ceil(len(names) / shards)
        weight_map = {}
        for s in range(shards):
            file = f'model-{s + 1:05d}-of-{shards:05d}.safetensors'
            part = {n: self.p[n] for n in names[s * per:(s + 1) * per]}
            write_safetensors(os.path.join(folder, file), part, dtype='BF16')
            weight_map.update({n: file for n in part})
        total = sum(v.numel() * 2 for v in self.p.values())
        with open(os.path.join(folder, 'model.safetensors.index.json'), 'w') as f:
            json.dump({'metadata': {'total_size': total}, 'weight_map': weight_map}, f, indent=2)

    def token_vectors(self, ids):
        return self.p['model.embed_tokens.weight'][ids]

    def run(self, ids, tc=None, replacement=False):
        """One sequence; records every intermediate. With `replacement`: patterns and norm scales detached and the
        MLP output = skip + (mlp_out − skip).detach(), as circuit-tracer's local replacement model."""
        p, cfg = self.p, self.cfg
        H, Hkv, hd = self.H, self.Hkv, self.hd
        eps = cfg.get('rms_norm_eps', 1e-6)
        P = len(ids)
        embed = self.token_vectors(ids).clone()
        if replacement:
            embed.requires_grad_(True)
        x = embed
        freqs = torch.arange(P).float()[:, None] * rope_inv_freq(cfg, hd)[None, :]  # fp32, as HF
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().double(), emb.sin().double()
        causal = torch.tril(torch.ones(P, P, dtype=torch.bool))
        rec = {'u': [], 'hook': [], 'embed': embed, 'layers': []}
        for l in range(cfg['num_hidden_layers']):
            w = lambda n: p[f'model.layers.{l}.{n}']
            a = {'resid_pre': x}
            n1, _, s1 = rms(x, w('input_layernorm.weight'), eps, replacement)
            a['ln1_scale'] = s1
            q = (n1 @ w('self_attn.q_proj.weight').T).view(P, H, hd)
            k = (n1 @ w('self_attn.k_proj.weight').T).view(P, Hkv, hd)
            v = (n1 @ w('self_attn.v_proj.weight').T).view(P, Hkv, hd).transpose(0, 1)
            if self.qk_norm:
                q = rms(q, w('self_attn.q_norm.weight'), eps)[0]
                k = rms(k, w('self_attn.k_norm.weight'), eps)[0]
            q, k = q.transpose(0, 1), k.transpose(0, 1)  # [heads, P, hd]
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            k, v = k.repeat_interleave(H // Hkv, 0), v.repeat_interleave(H // Hkv, 0)  # repeat_kv
            scores = (q @ k.transpose(1, 2)) * hd ** -0.5
            pattern = torch.softmax(scores.masked_fill(~causal, float('-inf')), -1)
            if replacement:
                pattern = pattern.detach()
            a['pattern'] = pattern
            z = (pattern @ v).transpose(0, 1).reshape(P, H * hd)
            a['attn_out'] = z @ w('self_attn.o_proj.weight').T
            x = x + a['attn_out']
            a['resid_mid'] = x
            m, normalized, s2 = rms(x, w('post_attention_layernorm.weight'), eps, replacement)
            a['ln2_scale'], a['mlp_in'], a['mlp_normalized'] = s2, m, normalized
            gate = m @ w('mlp.gate_proj.weight').T
            mlp_out = (gate * torch.sigmoid(gate) * (m @ w('mlp.up_proj.weight').T)) @ w('mlp.down_proj.weight').T
            if tc is not None:
                u = {'mlp.hook_in': m, 'hook_resid_mid': x, 'ln2.hook_normalized': normalized}[tc.input_hook]
                rec['u'].append(u)
                if replacement:
                    skip = tc.skip(l, u)
                    mlp_out = skip + (mlp_out - skip).detach()
            a['mlp_out'] = mlp_out
            rec['hook'].append(mlp_out)
            x = x + mlp_out
            rec['layers'].append(a)
        rec['resid_final'] = x
        f, _, sf = rms(x, p['model.norm.weight'], eps, replacement)
        rec['lnf_scale'], rec['ln_final'] = sf, f
        rec['logits'] = f @ self.W_U.T
        return rec


def attribute(model, tc, ids, max_n_logits=10, desired_logit_prob=0.95):
    """circuit-tracer's adjacency by autograd: one backward per target row (attribution_ref.py's driver)"""
    rec = model.run(ids, tc, replacement=True)
    return adjacency_by_autograd(rec, tc, model.token_vectors(ids), model.W_U, max_n_logits, desired_logit_prob)


def tokenizer_files(folder, family):
    """a tiny byte-level BPE (the GPT-2 fixture's vocabulary and merges) in the family's tokenizer.json layout"""
    with open(os.path.join(ROOT, 'test/fixtures/gpt2-tiny/tokenizer.json')) as f:
        base = json.load(f)
    n = len(base['model']['vocab'])
    split = {'type': 'Split', 'behavior': 'Isolated', 'invert': False, 'pattern': {'Regex': (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")}}
    pre = {'type': 'Sequence', 'pretokenizers': [split, {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False}]}
    special = lambda i, s: {'id': i, 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True}
    if family == 'llama':
        bos, eos = '<|begin_of_text|>', '<|end_of_text|>'
        # <|start_header_id|> is special in tokenizer.json but not in all_special_ids: a prompt starting with it gets a BOS
        added = [special(n, bos), special(n + 1, eos), special(n + 2, '<|start_header_id|>')]
        post = {'type': 'Sequence', 'processors': [
            {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
            {'type': 'TemplateProcessing',
             'single': [{'SpecialToken': {'id': bos, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
             'pair': [{'SpecialToken': {'id': bos, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                      {'SpecialToken': {'id': bos, 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
             'special_tokens': {bos: {'id': bos, 'ids': [n], 'tokens': [bos]}}}]}
        tok_cfg = {'bos_token': bos, 'eos_token': eos, 'tokenizer_class': 'PreTrainedTokenizerFast', 'model_max_length': 64}
        normalizer = None
    else:
        added = [special(n, '<|endoftext|>'), special(n + 1, '<|im_start|>'), special(n + 2, '<|im_end|>')]
        post = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': False, 'use_regex': False}
        tok_cfg = {'bos_token': None, 'eos_token': '<|im_end|>', 'pad_token': '<|endoftext|>', 'errors': 'replace',
                   'additional_special_tokens': ['<|im_start|>', '<|im_end|>'], 'tokenizer_class': 'Qwen2Tokenizer', 'model_max_length': 64}
        normalizer = {'type': 'NFC'}
    tok = {'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added, 'normalizer': normalizer,
           'pre_tokenizer': pre, 'post_processor': post, 'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
           'model': dict(base['model'], ignore_merges=family == 'llama')}
    with open(os.path.join(folder, 'tokenizer.json'), 'w') as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(os.path.join(folder, 'tokenizer_config.json'), 'w') as f:
        json.dump(tok_cfg, f, indent=2)
    return n


CONFIGS = {
    # Llama 3.2 style: GQA, llama3 rope scaling (all three frequency bands at head_dim 8), tied head, head_dim implied
    'llama': {'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'hidden_size': 32, 'intermediate_size': 48,
              'num_hidden_layers': 3, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'rms_norm_eps': 1e-5,
              'rope_theta': 500000.0, 'max_position_embeddings': 64, 'hidden_act': 'silu', 'attention_bias': False,
              'mlp_bias': False, 'rope_scaling': {'rope_type': 'llama3', 'factor': 32.0, 'low_freq_factor': 1.0,
              'high_freq_factor': 4.0, 'original_max_position_embeddings': 8192}, 'tie_word_embeddings': True,
              'vocab_size': 272, 'bos_token_id': 267, 'eos_token_id': 268, 'torch_dtype': 'bfloat16'},
    # Qwen3 style: explicit head_dim (4·8 = 32 ≠ 24), q/k norms, untied head, legacy linear rope scaling key
    'qwen3': {'architectures': ['Qwen3ForCausalLM'], 'model_type': 'qwen3', 'hidden_size': 24, 'intermediate_size': 40,
              'num_hidden_layers': 3, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'head_dim': 8,
              'rms_norm_eps': 1e-6, 'rope_theta': 1000000.0, 'rope_scaling': {'type': 'linear', 'factor': 2.0},
              'max_position_embeddings': 64, 'hidden_act': 'silu', 'attention_bias': False, 'use_sliding_window': False,
              'sliding_window': None, 'tie_word_embeddings': False, 'vocab_size': 272, 'bos_token_id': 267,
              'eos_token_id': 269, 'torch_dtype': 'bfloat16'},
}

FIXTURES = {
    # name: (family, shards, transcoder kind, input hook, activation, W_skip)
    'llama': ('llama', 1, 'plt', 'hook_resid_mid', 'relu', True),
    'qwen3': ('qwen3', 2, 'plt', 'mlp.hook_in', 'relu', True),
    'llama-clt': ('llama', 1, 'clt', 'mlp.hook_in', 'jumprelu', False),
    # TransformerLens' ln2.hook_normalized (x/s before the gain) and TopK, on the Qwen3 family
    'qwen3-topk-normalized': ('qwen3', 1, 'plt', 'ln2.hook_normalized', 'topk', True),
}


def make(out_dir, name, seed):
    family, shards, kind, hook, act, skip = FIXTURES[name]
    cfg = CONFIGS[family]
    model = LlamaLike(cfg, seed, qk_norm=family == 'qwen3')
    folder = os.path.join(out_dir, name)
    model.save(folder, shards)
    tokenizer_files(folder, family)
    L, d = cfg['num_hidden_layers'], cfg['hidden_size']
    tc = Transcoders(kind, L, d, 16, seed + 1, hook, act, skip, k=4)
    tc.save(os.path.join(folder, 'transcoders'))
    g = torch.Generator().manual_seed(seed + 2)
    rnd = lambda n: torch.randint(0, 267, (n,), generator=g).tolist()
    cases = {'one': [267], 'mid': [267] + rnd(6), 'long': [267] + rnd(20)}
    out = {}
    with torch.no_grad():
        for c, ids in cases.items():
            r = model.run(ids)
            out[f'{c}.logits'] = r['logits']
            out[f'{c}.resid_final'] = r['resid_final']
            out[f'{c}.lnf_scale'] = r['lnf_scale']
            for l, a in enumerate(r['layers']):
                for k, v in a.items():
                    out[f'{c}.{k}.{l}'] = v
    res = attribute(model, tc, cases['mid'])
    tensors, meta = reference_graph(name, res)
    out.update(tensors)
    write_safetensors(os.path.join(folder, 'expected.safetensors'), out)
    with open(os.path.join(folder, 'expected.json'), 'w') as f:
        json.dump({'ids': cases['mid'], 'cases': cases, **meta}, f, indent=2)

if __name__ == '__main__':
    out = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/families'
    for i, name in enumerate(FIXTURES):
        make(out, name, 300 + 10 * i)
