"""Autograd reference for attribution on Gemma-2 / Gemma-3: the full adjacency of circuit-tracer's local
replacement model over the tiny random checkpoints of make_gemma_fixtures.py, with random transcoders in
circuit-tracer's file layouts. Written from the definitions (shared/research/circuit-tracer.md §1 and
model-families.md §3-4), not from the engine.

The local replacement model, as circuit-tracer's nnsight backend builds it for Gemma (tl_nnsight_mapping.py
gemma_2_mapping / gemma_3_mapping; replacement_model_nnsight.py configure_gradient_flow, configure_skip_connection):
  - attention patterns detached (the post-softmax probabilities, so the attention soft-cap and q/k norms drop out);
  - the rsqrt of every RMSNorm detached: input, post_attention, pre_feedforward, post_feedforward, final norm;
  - at the feature output hook hook_mlp_out (post_feedforward_layernorm output):
    out = skip(u) + (out - skip(u)).detach(), u the value at the feature input hook;
  - input hooks: ln2.hook_normalized = pre_feedforward_layernorm's x·rsqrt (no 1 + w), hook_resid_mid = its input,
    mlp.hook_in = its output.
Logit targets are injected at the final norm output (before the final soft-cap) as W_U[t] - mean(W_U); their
probabilities are softmax of the model's own (soft-capped) logits. Token nodes carry the scaled embedding
E[id]·√d (Gemma-2: what TransformerLens' pre-scaled W_E gives, and what nnsight's raw embed_tokens output implies;
Gemma-3: the embedding's actual contribution; circuit-tracer's nnsight backend pairs the raw row with the gradient at
the scaled module output, 1/√d of it — see the report of issue 12). BOS features and errors are zeroed.

Regenerate (from the repository root):  /usr/bin/python3 tools/reference/gemma_attribution_ref.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attribution_ref import Transcoders, adjacency_by_autograd, reference_graph  # noqa: E402  (sets float64 as the default dtype)
import gemma_ref  # noqa: E402
import make_gemma_fixtures as mk  # noqa: E402
from gpt2_ref import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'attribution')
INPUT_VALUE = {'ln2.hook_normalized': 'mlp_normalized', 'hook_resid_mid': 'resid_mid', 'mlp.hook_in': 'mlp_in'}


def run_replacement(c, W, tc, ids):
    rec = {'u': [], 'hook': []}
    state = {}

    def hook(name, layer, t):
        if name == 'embed':
            t = t.detach().clone().requires_grad_(True)
            rec['embed'] = t
        elif name.endswith('_scale') or name == 'pattern':
            t = t.detach()
        if name == INPUT_VALUE[tc.input_hook]:
            state['u'] = t
        if name == 'mlp_out':
            u = state.pop('u')
            skip = tc.skip(layer, u)
            t = skip + (t - skip).detach()  # the transcoder skip is the only gradient path through the MLP
            rec['u'].append(u)
            rec['hook'].append(t)
        if name == 'ln_final':
            rec['ln_final'] = t
        return t

    out = gemma_ref.forward(c, W, ids, hook)
    rec['logits'] = out['logits']
    return rec


def attribute(c, W, tc, ids, max_n_logits=10, desired_logit_prob=0.95):
    rec = run_replacement(c, W, tc, ids)
    return adjacency_by_autograd(rec, tc, rec['embed'].detach(), W['model.embed_tokens.weight'], max_n_logits, desired_logit_prob)


def write_published_layout(folder, tc, layout):
    """The same transcoders in a published layout, listed by config.yaml as circuit-tracer's configs list them:
    'gemmascope' (Gemma-2: layer_{l}/params.npz with W_enc [d, n], JumpReLU thresholds) or 'gemmascope2' (Gemma-3:
    params_layer_{l}.safetensors with w_enc [d, n], w_dec, threshold, affine_skip_connection A, skip(u) = u·A).
    ReLU is JumpReLU with threshold 0, so a ReLU set becomes exactly that."""
    import numpy as np
    os.makedirs(folder, exist_ok=True)
    files = []
    for l in range(tc.L):
        th = tc.threshold[l] if tc.threshold is not None else torch.zeros(tc.n)
        t = {'w_enc': tc.W_enc[l].T, 'w_dec': tc.W_dec[l], 'b_enc': tc.b_enc[l], 'b_dec': tc.b_dec[l], 'threshold': th}
        if layout == 'gemmascope':
            os.makedirs(os.path.join(folder, f'layer_{l}'), exist_ok=True)
            files.append(f'layer_{l}/params.npz')
            np.savez(os.path.join(folder, files[-1]), **{k.replace('w_', 'W_'): np.ascontiguousarray(v.numpy(), dtype=np.float32) for k, v in t.items()})
        else:
            if tc.W_skip is not None:
                t['affine_skip_connection'] = tc.W_skip[l].T
            files.append(f'params_layer_{l}.safetensors')
            write_safetensors(os.path.join(folder, files[-1]), t)
    with open(os.path.join(folder, 'config.yaml'), 'w') as f:
        f.write(f'model_kind: transcoder_set\nfeature_input_hook: {tc.input_hook}\nfeature_output_hook: hook_mlp_out\n'
                f'scan: fixture-{layout}\ntranscoders:\n' + ''.join(f'  - {p}\n' for p in files))


FIXTURES = {
    # name: (model, transcoder kind, input hook, activation, W_skip); GemmaScope reads ln2.hook_normalized, no skip
    'gemma2-plt-normalized': ('gemma2-tiny', 'plt', 'ln2.hook_normalized', 'jumprelu', False),
    'gemma2-clt-resid': ('gemma2-tiny', 'clt', 'hook_resid_mid', 'relu', False),
    'gemma3-plt-hookin-skip': ('gemma3-tiny', 'plt', 'mlp.hook_in', 'relu', True),
}
PUBLISHED = {'gemma2-plt-normalized': 'gemmascope', 'gemma3-plt-hookin-skip': 'gemmascope2'}


def make_fixture(name, seed):
    model, kind, hook, activation, skip = FIXTURES[name]
    raw, c, W, _ = mk.build(model)
    folder = os.path.join(OUT, name)
    mk.save_model(folder, raw, W)
    tc = Transcoders(kind, c['L'], c['d'], 24, seed + 1, hook, activation, skip, k=4)
    tc.save(os.path.join(folder, 'transcoders'))
    if name in PUBLISHED:
        write_published_layout(os.path.join(folder, f'transcoders-{PUBLISHED[name]}'), tc, PUBLISHED[name])
    cfg_file = os.path.join(folder, 'transcoders', 'config.yaml')
    with open(cfg_file) as f:
        text = f.read()
    with open(cfg_file, 'w') as f:
        f.write(text.replace('"mlp.hook_out"', '"hook_mlp_out"'))  # where circuit-tracer's Gemma mappings write
    g = torch.Generator().manual_seed(seed + 2)
    ids = [2] + torch.randint(6, c['V'], (9,), generator=g).tolist()  # 10 tokens: longer than the window of 4
    res = attribute(c, W, tc, ids)
    tensors, meta = reference_graph(name, res, error_vectors=res['errors'], logits_last=res['rec']['logits'][-1].detach())
    write_safetensors(os.path.join(folder, 'expected.safetensors'), tensors)
    with open(os.path.join(folder, 'expected.json'), 'w') as f:
        json.dump({'ids': ids, **meta}, f, indent=2)

if __name__ == '__main__':
    for i, name in enumerate(FIXTURES):
        make_fixture(name, 200 + 10 * i)
