"""Reference GPT-2 forward in PyTorch, written from the architecture definition (Radford et al. 2019; HF
GPT2LMHeadModel naming), independent of the engine. Every intermediate passes through `hook(name, layer, t)`,
which may return a replacement (detach, freeze, add a delta), as TransformerLens hooks do.

Import it:  sys.path.insert(0, 'tools/reference'); import gpt2_ref
    cfg, W = gpt2_ref.load_checkpoint('test/fixtures/gpt2-tiny')
    out = gpt2_ref.forward(cfg, W, [50256, 11, 12])
"""
import json
import math
import os
import struct

import numpy as np
import torch

HOOK_NAMES = ('resid_pre', 'ln1_scale', 'pattern', 'attn_out', 'resid_mid', 'ln2_scale', 'mlp_in', 'mlp_out',
              'resid_final', 'lnf_scale')
_NP_DTYPES = {'F32': np.float32, 'F16': np.float16, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32}


def read_safetensors(path):
    """{name: np.ndarray} and the metadata dict; BF16 is widened to float32."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop('__metadata__', {})
    out = {}
    for name, t in header.items():
        a, b = t['data_offsets']
        raw = data[a:b]
        if t['dtype'] == 'BF16':
            arr = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, _NP_DTYPES[t['dtype']])
        out[name] = arr.reshape(t['shape']).copy()
    return out, meta


def to_bf16_bits(x):
    """float tensor -> uint16 array of bfloat16 bits (round to nearest even, through float32 as torch converts)"""
    f = np.ascontiguousarray(x.detach().double().numpy().astype(np.float32)).view(np.uint32).astype(np.uint64)
    rounded = (f + 0x7FFF + ((f >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def write_safetensors(path, tensors, metadata=None, metadata_last=False, dtype='F32'):
    """Writes tensors (dict name -> array, or torch tensor for BF16) in insertion order, as float32 or, with
    dtype='BF16', bfloat16 (the families' and Gemma's checkpoints). The Python side's one safetensors writer
    (tools/organism/st_io.py uses it too); `metadata_last` puts `__metadata__` after the tensors in the header, the
    layout of the committed organism weights, so that a rebuild can reproduce their bytes (models/organism/SHA256SUMS)."""
    assert dtype in ('F32', 'BF16'), dtype
    header, blobs, off = {}, [], 0
    meta = {'__metadata__': {k: str(v) for k, v in metadata.items()}} if metadata else {}
    if not metadata_last:
        header.update(meta)
    for name, arr in tensors.items():
        data = to_bf16_bits(arr) if dtype == 'BF16' else np.ascontiguousarray(np.asarray(arr, dtype=np.float32))
        b = data.tobytes()
        header[name] = {'dtype': dtype, 'shape': list(np.shape(data)), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata_last:
        header.update(meta)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_checkpoint(folder, dtype=torch.float64):
    """(config dict, {HF name without the 'transformer.' prefix: tensor}) from a single-file checkpoint."""
    with open(os.path.join(folder, 'config.json')) as f:
        cfg = json.load(f)
    raw, _ = read_safetensors(os.path.join(folder, 'model.safetensors'))
    W = {k[len('transformer.'):] if k.startswith('transformer.') else k: torch.tensor(v, dtype=dtype) for k, v in raw.items()}
    return cfg, W


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def layer_norm(x, w, b, eps, scale_hook):
    """(x - mean) / scale * w + b, scale = sqrt(var + eps) passed through scale_hook (frozen in attribution)."""
    xc = x - x.mean(-1, keepdim=True)
    scale = scale_hook((xc.pow(2).mean(-1, keepdim=True) + eps).sqrt())
    return xc / scale * w + b


def forward(cfg, W, ids, hook=None):
    """One sequence. Returns {'logits': [P, V], 'layers': [{name: tensor}], 'resid_final', 'lnf_scale'}.
    Shapes: resid_* / attn_out / mlp_* [P, d]; *_scale [P, 1]; pattern [H, P, P]."""
    hook = hook or (lambda name, layer, t: t)
    d, H = cfg['n_embd'], cfg['n_head']
    dh, eps = d // H, cfg.get('layer_norm_epsilon', 1e-5)
    ids = torch.as_tensor(ids, dtype=torch.long)
    P = ids.shape[0]
    x = W['wte.weight'][ids] + W['wpe.weight'][:P]
    causal = torch.tril(torch.ones(P, P, dtype=torch.bool))
    layers = []
    for l in range(cfg['n_layer']):
        p = lambda n: W[f'h.{l}.{n}']
        acts = {}

        def keep(name, t):
            t = hook(name, l, t)
            acts[name] = t
            return t

        x = keep('resid_pre', x)
        h = layer_norm(x, p('ln_1.weight'), p('ln_1.bias'), eps, lambda t: keep('ln1_scale', t))
        qkv = h @ p('attn.c_attn.weight') + p('attn.c_attn.bias')  # Conv1D: weight is [in, out]
        q, k, v = (t.reshape(P, H, dh).transpose(0, 1) for t in qkv.split(d, dim=-1))  # [H, P, dh]
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        pattern = keep('pattern', torch.softmax(scores.masked_fill(~causal, float('-inf')), dim=-1))
        z = (pattern @ v).transpose(0, 1).reshape(P, d)
        attn_out = keep('attn_out', z @ p('attn.c_proj.weight') + p('attn.c_proj.bias'))
        x = keep('resid_mid', x + attn_out)
        u = keep('mlp_in', layer_norm(x, p('ln_2.weight'), p('ln_2.bias'), eps, lambda t: keep('ln2_scale', t)))
        mlp_out = keep('mlp_out', gelu_new(u @ p('mlp.c_fc.weight') + p('mlp.c_fc.bias')) @ p('mlp.c_proj.weight') + p('mlp.c_proj.bias'))
        x = x + mlp_out
        layers.append(acts)
    x = hook('resid_final', None, x)
    scales = {}
    xf = layer_norm(x, W['ln_f.weight'], W['ln_f.bias'], eps,
                    lambda t: scales.setdefault('lnf_scale', hook('lnf_scale', None, t)))
    unembed = W['lm_head.weight'] if 'lm_head.weight' in W and not cfg.get('tie_word_embeddings', True) else W['wte.weight']
    return {'logits': xf @ unembed.T, 'layers': layers, 'resid_final': x, 'lnf_scale': scales['lnf_scale']}
