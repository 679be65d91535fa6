"""Reference Gemma-2 / Gemma-3 (text) forward in PyTorch, written from the published definitions, independent of
the engine. Sources (read with the search tools; transformers is not installable here):
  - huggingface/transformers models/gemma2/modeling_gemma2.py: Gemma2RMSNorm (x·rsqrt(mean x² + eps)·(1 + w), in
    fp32), Gemma2Model.forward (embeddings · tensor(√hidden, dtype of the activations)), Gemma2Attention
    (scaling = query_pre_attn_scalar^-½; eager: scores·scaling → cap·tanh(s/cap) → + mask → softmax), the decoder
    layer (h += post_attention_layernorm(attn(input_layernorm(h)));
    h += post_feedforward_layernorm(mlp(pre_feedforward_layernorm(h)))), Gemma2ForCausalLM (final softcap).
  - models/gemma3/modeling_gemma3.py: Gemma3TextScaledWordEmbedding (scale inside the module), q_norm/k_norm
    (Gemma RMSNorm over head_dim, after the projection, before RoPE), no attention softcap (the attention never
    passes one), two rotary tables: sliding layers θ = rope_local_base_freq without scaling, full layers θ =
    rope_theta with rope_scaling; configuration_gemma3.py: layer_types default from sliding_window_pattern (6).
  - masking_utils: a sliding layer lets query i see key j iff i - W < j <= i.
The activations are float64 here; the engine (float32) is compared against them.

Every intermediate passes through `hook(name, layer, t)`, which may replace it (freeze, add a delta), like the
TransformerLens hooks circuit-tracer uses. Scales are TransformerLens' hook_scale: sqrt(mean(x²) + eps), [P, 1].
"""
import json
import math
import os
import struct

import numpy as np
import torch

from gpt2_ref import to_bf16_bits, write_safetensors  # noqa: F401  (the one safetensors writer; bf16 rounding)

GEMMA_ARCHS = ('Gemma2ForCausalLM', 'Gemma3ForCausalLM')


def read_safetensors_any(path):
    """{name: float64 tensor}; BF16 / F16 / F32 are widened exactly."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop('__metadata__', None)
    out = {}
    for name, t in header.items():
        a, b = t['data_offsets']
        raw = data[a:b]
        if t['dtype'] == 'BF16':
            arr = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, {'F32': np.float32, 'F16': np.float16}[t['dtype']])
        out[name] = torch.tensor(arr.reshape(t['shape']).astype(np.float64))
    return out


def bf16_round(x):
    """the float64 value of x after a trip through bfloat16"""
    bits = to_bf16_bits(x).astype(np.uint32) << 16
    return torch.tensor(bits.view(np.float32).astype(np.float64)).reshape(x.shape)


def write_bf16_safetensors(path, tensors):
    write_safetensors(path, tensors, {'format': 'pt'}, dtype='BF16')


def parse_config(raw):
    """The fields the forward needs, with the class defaults of Gemma2Config / Gemma3TextConfig."""
    arch = raw['architectures'][0]
    g3 = arch == 'Gemma3ForCausalLM'
    L = raw['num_hidden_layers']
    layer_types = raw.get('layer_types')
    if layer_types is None:
        period = raw.get('sliding_window_pattern', 6) if g3 else 2
        layer_types = ['sliding_attention' if (i + 1) % period else 'full_attention' for i in range(L)]
    H = raw['num_attention_heads']
    return {
        'gemma3': g3, 'L': L, 'd': raw['hidden_size'], 'F': raw['intermediate_size'], 'H': H,
        'Hkv': raw.get('num_key_value_heads', 4), 'hd': raw.get('head_dim', 256), 'V': raw['vocab_size'],
        'eps': raw.get('rms_norm_eps', 1e-6), 'qpas': raw.get('query_pre_attn_scalar', 256),
        'attn_cap': None if g3 else raw.get('attn_logit_softcapping', 50.0),
        'final_cap': raw.get('final_logit_softcapping', None if g3 else 30.0),
        'window': raw.get('sliding_window', 4096), 'layer_types': layer_types,
        'theta': raw.get('rope_theta', 1e6 if g3 else 1e4), 'theta_local': raw.get('rope_local_base_freq', 1e4),
        'rope_scaling': raw.get('rope_scaling'),
    }


def load_checkpoint(folder):
    with open(os.path.join(folder, 'config.json')) as f:
        raw = json.load(f)
    return parse_config(raw), read_safetensors_any(os.path.join(folder, 'model.safetensors'))


def inv_freq(hd, theta, scaling):
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    kind = (scaling or {}).get('rope_type', (scaling or {}).get('type', 'default'))
    if kind == 'linear':
        inv = inv / scaling['factor']
    elif kind != 'default':
        raise ValueError(f'rope_type {kind} not in the reference')
    return inv


def rope(x, inv):
    """x [heads, P, hd]; rotate-half convention"""
    P, hd = x.shape[1], x.shape[2]
    ang = torch.arange(P, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)
    rot = torch.cat([-x[..., hd // 2:], x[..., : hd // 2]], -1)
    return x * cos + rot * sin


def rms(x, w, eps, scale_hook):
    """Gemma RMSNorm: (x / scale) · (1 + w); returns (out, x / scale)"""
    scale = scale_hook((x.pow(2).mean(-1, keepdim=True) + eps).sqrt())
    normalized = x / scale
    return normalized * (1 + w), normalized


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def embed_scale(c):
    """√hidden in the activation dtype (the engine computes in float32)"""
    return float(np.float32(c['d'] ** 0.5))


def forward(c, W, ids, hook=None):
    """One sequence. Returns {'logits', 'logits_raw', 'layers': [{name: tensor}], 'resid_final', 'lnf_scale',
    'embed'}. Shapes: resid_* / attn_out / mlp_* [P, d]; *_scale [P, 1]; pattern [H, P, P] (query, key)."""
    hook = hook or (lambda name, layer, t: t)
    ids = torch.as_tensor(ids, dtype=torch.long)
    P, H, Hkv, hd, eps = len(ids), c['H'], c['Hkv'], c['hd'], c['eps']
    E = W['model.embed_tokens.weight']
    x = hook('embed', None, E[ids] * embed_scale(c))
    embed = x
    qi = torch.arange(P)[:, None]
    kj = torch.arange(P)[None, :]
    layers = []
    for l in range(c['L']):
        p = lambda n: W[f'model.layers.{l}.{n}']
        acts = {}

        def keep(name, t):
            t = hook(name, l, t)
            acts[name] = t
            return t

        x = keep('resid_pre', x)
        a, _ = rms(x, p('input_layernorm.weight'), eps, lambda t: keep('ln1_scale', t))
        q = (a @ p('self_attn.q_proj.weight').T).reshape(P, H, hd).transpose(0, 1)
        k = (a @ p('self_attn.k_proj.weight').T).reshape(P, Hkv, hd).transpose(0, 1)
        v = (a @ p('self_attn.v_proj.weight').T).reshape(P, Hkv, hd).transpose(0, 1)
        sliding = c['layer_types'][l] == 'sliding_attention'
        if c['gemma3']:
            q, _ = rms(q, p('self_attn.q_norm.weight'), eps, lambda t: t)
            k, _ = rms(k, p('self_attn.k_norm.weight'), eps, lambda t: t)
            inv = inv_freq(hd, c['theta_local'], None) if sliding else inv_freq(hd, c['theta'], c['rope_scaling'])
        else:
            inv = inv_freq(hd, c['theta'], c['rope_scaling'])
        q, k = rope(q, inv), rope(k, inv)
        group = H // Hkv
        k, v = k.repeat_interleave(group, 0), v.repeat_interleave(group, 0)  # query head h uses kv head h // group
        s = (q @ k.transpose(1, 2)) * c['qpas'] ** -0.5
        if c['attn_cap'] is not None:
            s = c['attn_cap'] * torch.tanh(s / c['attn_cap'])
        allowed = (kj <= qi) & ((qi - kj < c['window']) if sliding else True)
        pattern = keep('pattern', torch.softmax(s.masked_fill(~allowed, float('-inf')), -1))
        z = (pattern @ v).transpose(0, 1).reshape(P, H * hd)
        o = z @ p('self_attn.o_proj.weight').T
        attn_out, _ = rms(o, p('post_attention_layernorm.weight'), eps, lambda t: keep('ln1_post_scale', t))
        attn_out = keep('attn_out', attn_out)
        x = keep('resid_mid', x + attn_out)
        s2 = keep('ln2_scale', (x.pow(2).mean(-1, keepdim=True) + eps).sqrt())
        normalized = keep('mlp_normalized', x / s2)  # TransformerLens ln2.hook_normalized: no (1 + w)
        m = keep('mlp_in', normalized * (1 + p('pre_feedforward_layernorm.weight')))  # mlp.hook_in
        down = (gelu_tanh(m @ p('mlp.gate_proj.weight').T) * (m @ p('mlp.up_proj.weight').T)) @ p('mlp.down_proj.weight').T
        acts['mlp_down'] = down
        mlp_out, _ = rms(down, p('post_feedforward_layernorm.weight'), eps, lambda t: keep('ln2_post_scale', t))
        mlp_out = keep('mlp_out', mlp_out)  # hook_mlp_out: what the residual receives
        x = x + mlp_out
        layers.append(acts)
    x = hook('resid_final', None, x)
    scales = {}
    f, _ = rms(x, W['model.norm.weight'], eps, lambda t: scales.setdefault('lnf_scale', hook('lnf_scale', None, t)))
    f = hook('ln_final', None, f)
    unembed = W.get('lm_head.weight', E)
    raw = f @ unembed.T
    logits = raw if c['final_cap'] is None else c['final_cap'] * torch.tanh(raw / c['final_cap'])
    return {'logits': logits, 'logits_raw': raw, 'layers': layers, 'resid_final': x, 'lnf_scale': scales['lnf_scale'],
            'ln_final': f, 'embed': embed}
