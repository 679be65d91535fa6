"""Independent PyTorch reference for interventions (issue 9), written from circuit-tracer's definitions (notes section
5), not from the engine: gpt2_ref's forward with hooks that replay frozen values and, at each layer's MLP output,
compute the intervened features' current activations from the transcoder input, delta = value - current, and add
delta * W_dec (to every later layer for a cross-layer transcoder).

Modes: free (real model plus the change), frozen (attention patterns replayed from the clean run of the same
sequence), constrained (patterns, LN scales and MLP outputs replayed; skip(u) - skip(u_clean) added back; the current
activation is the clean one). A continuation (greedy, stopping after end-of-text) reruns the whole sequence each step (frozen values from the clean run of
that sequence), as the engine does without a KV cache.

Uses the attribution fixtures (tools/reference/attribution_ref.py; Gemma-2/3 ones from gemma_attribution_ref.py run
through gemma_ref.py, whose norm scales are all replayed in constrained mode), and writes random transcoders for the gpt2-tiny
checkpoint (CLI and worker tests). Regenerate, from the repository root:
    /usr/bin/python3 tools/reference/intervention_ref.py test/fixtures/attribution test/fixtures/interventions
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import gemma_ref  # noqa: E402
import gpt2_ref  # noqa: E402

torch.set_default_dtype(torch.float64)
MODES = ('free', 'frozen', 'constrained')
GENERATE = 4


class Transcoders:
    """Reads circuit-tracer's per-layer or cross-layer files as the fixtures write them."""

    def __init__(self, folder, L):
        cfg = {}
        with open(os.path.join(folder, 'config.yaml')) as f:
            for line in f:
                k, v = line.split(':', 1)
                cfg[k.strip()] = json.loads(v)
        self.input_hook = cfg['feature_input_hook']
        self.clt = cfg['model_kind'] == 'cross_layer_transcoder'
        self.k = cfg.get('k')
        self.topk = cfg.get('activation') == 'topk'
        t = lambda a: torch.tensor(a, dtype=torch.float64)
        self.W_enc, self.b_enc, self.W_dec, self.threshold, self.W_skip = [], [], [], [], []
        for l in range(L):
            if self.clt:
                enc, _ = gpt2_ref.read_safetensors(os.path.join(folder, f'W_enc_{l}.safetensors'))
                dec, _ = gpt2_ref.read_safetensors(os.path.join(folder, f'W_dec_{l}.safetensors'))
                self.W_enc.append(t(enc[f'W_enc_{l}']))
                self.b_enc.append(t(enc[f'b_enc_{l}']))
                self.W_dec.append(t(dec[f'W_dec_{l}']))  # (n, L - l, d)
                self.threshold.append(t(enc[f'threshold_{l}']) if f'threshold_{l}' in enc else None)
                self.W_skip.append(None)
            else:
                x, _ = gpt2_ref.read_safetensors(os.path.join(folder, f'layer_{l}.safetensors'))
                self.W_enc.append(t(x['W_enc']))
                self.b_enc.append(t(x['b_enc']))
                self.W_dec.append(t(x['W_dec']))  # (n, d)
                self.threshold.append(t(x['activation_function.threshold']) if 'activation_function.threshold' in x else None)
                self.W_skip.append(t(x['W_skip']) if 'W_skip' in x else None)

    def encode(self, l, u):
        pre = u @ self.W_enc[l].T + self.b_enc[l]
        if self.topk:
            gate = torch.zeros_like(pre).scatter(-1, torch.topk(pre, self.k, dim=-1).indices, 1.0)
            return pre, pre * gate
        if self.threshold[l] is not None:
            return pre, pre * (pre > self.threshold[l])
        return pre, torch.relu(pre)

    def skip(self, l, u):
        return u @ self.W_skip[l].T if self.W_skip[l] is not None else 0 * u

    def decoder(self, source, f, target):
        if self.clt:
            return self.W_dec[source][f, target - source]
        return self.W_dec[source][f] if target == source else None


def load_model(folder):
    """(cfg with n_layer / n_embd / n_positions / eos_token_id, weights), by the checkpoint's architecture"""
    with open(os.path.join(folder, 'config.json')) as f:
        raw = json.load(f)
    if (raw.get('architectures') or [''])[0] in gemma_ref.GEMMA_ARCHS:
        c, W = gemma_ref.load_checkpoint(folder)
        return {'n_layer': c['L'], 'n_embd': c['d'], 'n_positions': raw['max_position_embeddings'],
                'eos_token_id': raw.get('eos_token_id'), 'gemma': c}, W
    return gpt2_ref.load_checkpoint(folder)


def forward(cfg, W, ids, hook=None):
    if 'gemma' in cfg:
        return gemma_ref.forward(cfg['gemma'], W, ids, hook)
    return gpt2_ref.forward(cfg, W, ids, hook)


def transcoder_input(tc, acts):
    if tc.input_hook == 'mlp.hook_in':
        return acts['mlp_in']
    x = acts['resid_mid']
    if tc.input_hook == 'hook_resid_mid':
        return x
    if 'mlp_normalized' in acts:  # RMSNorm: no centring
        return acts['mlp_normalized']
    return (x - x.mean(-1, keepdim=True)) / acts['ln2_scale']


def affine(op):
    if op['kind'] == 'set':
        return op['value'], -1.0
    if op['kind'] == 'scale':
        return 0.0, op['factor'] - 1.0
    return op['strength'], 0.0


def mask_of(positions, P, n_prompt):
    m = torch.zeros(P)
    if positions == 'all':
        m[1:] = 1  # every position after BOS
    elif positions == 'generated':
        m[n_prompt:] = 1
    else:
        for p in positions:
            m[p % n_prompt] = 1
    return m


def run(cfg, W, tc, ids, case, mode, n_prompt):
    """One intervened forward over ids; returns (logits [P, V], activations [L, P, n] of the run's transcoder inputs)."""
    L, P = cfg['n_layer'], len(ids)
    clean = forward(cfg, W, ids)
    clean_u = [transcoder_input(tc, a) for a in clean['layers']]
    columns = [(f['layer'], f['feature'], *affine(iv['op']), mask_of(iv.get('positions', 'all'), P, n_prompt))
               for iv in case['interventions'] for f in iv['features']]
    pending = [torch.zeros(P, cfg['n_embd']) for _ in range(L)]
    seen = [dict() for _ in range(L)]
    us = [None] * L

    def hook(name, l, t):
        if name == 'lnf_scale':
            return clean['lnf_scale'] if mode == 'constrained' else t
        if l is None:
            return t
        if (mode != 'free' and name == 'pattern') or (mode == 'constrained' and name.endswith('_scale')):
            t = clean['layers'][l][name]
        seen[l][name] = t
        if name != 'mlp_out':
            return t
        u = transcoder_input(tc, seen[l])
        us[l] = u
        out = t
        if mode == 'constrained':
            out = clean['layers'][l]['mlp_out'] + tc.skip(l, u) - tc.skip(l, clean_u[l])
        for (cl, f, alpha, beta, m) in columns:
            if cl != l:
                continue
            _, current = tc.encode(l, clean_u[l] if mode == 'constrained' else u)
            delta = m * (alpha + beta * current[:, f])
            for target in range(l, L):
                vec = tc.decoder(l, f, target)
                if vec is not None:
                    pending[target] = pending[target] + delta[:, None] * vec[None, :]
        return out + pending[l]

    out = forward(cfg, W, ids, hook)
    acts = torch.stack([tc.encode(l, us[l])[1] for l in range(L)])
    return out['logits'], acts


def generate(cfg, W, tc, ids, case, mode, n, clean_run):
    seq = list(ids)
    for _ in range(n):
        logits = forward(cfg, W, seq)['logits'] if clean_run else run(cfg, W, tc, seq, case, mode, len(ids))[0]
        seq.append(int(torch.argmax(logits[-1])))
        if seq[-1] == cfg.get('eos_token_id') or len(seq) >= cfg['n_positions']:
            break  # the engine stops after emitting end-of-text, or when the context is full
    return seq[len(ids):]


def cases_for(tc, cfg, W, ids):
    """Deterministic cases chosen from the clean activations: an ablation, a supernode set, a steer, an amplification
    and steering of generated tokens only."""
    clean = forward(cfg, W, ids)
    acts = [tc.encode(l, transcoder_input(tc, a))[1] for l, a in enumerate(clean['layers'])]
    P = len(ids)
    mid = acts[0][1:P - 1]
    pos, f0 = divmod(int(torch.argmax(mid)), mid.shape[1])
    top1 = torch.argsort(acts[1][P - 2], descending=True)[:2].tolist()
    quiet = int(torch.argmin(acts[0][1:].sum(0)))
    loud = int(torch.argmax(acts[1][1:].sum(0)))
    return [
        {'name': 'ablate', 'interventions': [{'features': [{'layer': 0, 'feature': f0}], 'positions': [pos + 1], 'op': {'kind': 'scale', 'factor': 0}}]},
        {'name': 'supernode-set', 'interventions': [{'features': [{'layer': 1, 'feature': f} for f in top1], 'positions': [2, -2], 'op': {'kind': 'set', 'value': 3.0}}]},
        {'name': 'steer', 'interventions': [{'features': [{'layer': 0, 'feature': quiet}], 'positions': 'all', 'op': {'kind': 'steer', 'strength': 2.5}}]},
        {'name': 'amplify-two', 'interventions': [
            {'features': [{'layer': 1, 'feature': loud}], 'op': {'kind': 'scale', 'factor': 3}},
            {'features': [{'layer': 0, 'feature': f0}], 'positions': [pos + 1], 'op': {'kind': 'set', 'value': -1.0}}]},
        {'name': 'steer-generated', 'interventions': [{'features': [{'layer': 1, 'feature': quiet}], 'positions': 'generated', 'op': {'kind': 'steer', 'strength': 4.0}}]},
    ]


def main(src, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    tensors, index = {}, {}
    for name in sorted(os.listdir(src)):
        folder = os.path.join(src, name)
        if not os.path.isfile(os.path.join(folder, 'expected.json')):
            continue
        cfg, W = load_model(folder)
        with open(os.path.join(folder, 'expected.json')) as f:
            ids = json.load(f)['ids']
        tc = Transcoders(os.path.join(folder, 'transcoders'), cfg['n_layer'])
        clean = forward(cfg, W, ids)
        tensors[f'{name}/clean/logits'] = clean['logits']
        tensors[f'{name}/clean/acts'] = torch.stack([tc.encode(l, transcoder_input(tc, a))[1] for l, a in enumerate(clean['layers'])])
        cases = cases_for(tc, cfg, W, ids)
        index[name] = {'ids': ids, 'cases': cases, 'continuations': {}, 'clean_continuation': generate(cfg, W, tc, ids, None, 'free', GENERATE, True)}
        for case in cases:
            for mode in MODES:
                key = f'{name}/{case["name"]}/{mode}'
                logits, acts = run(cfg, W, tc, ids, case, mode, len(ids))
                tensors[key + '/logits'] = logits
                tensors[key + '/acts'] = acts
                index[name]['continuations'][key] = generate(cfg, W, tc, ids, case, mode, GENERATE, False)
        print(f'{name}: {len(cases)} cases x {len(MODES)} modes')
    gpt2_ref.write_safetensors(os.path.join(out_dir, 'expected.safetensors'), {k: v.numpy() for k, v in tensors.items()})
    with open(os.path.join(out_dir, 'cases.json'), 'w') as f:
        json.dump({'generate': GENERATE, 'fixtures': index}, f, indent=1)


def cli_transcoders(out_dir):
    """Random ReLU transcoders for test/fixtures/gpt2-tiny (2 layers, d_model 24), so the CLI and the worker can be
    tested on a checkpoint with a tokenizer."""
    import attribution_ref
    tc = attribution_ref.Transcoders('plt', 2, 24, 32, 900, 'mlp.hook_in', 'relu', skip=True)
    tc.save(os.path.join(out_dir, 'gpt2-tiny-transcoders'))


if __name__ == '__main__':
    out = sys.argv[2] if len(sys.argv) > 2 else 'test/fixtures/interventions'
    main(sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/attribution', out)
    cli_transcoders(out)
