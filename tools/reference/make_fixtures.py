"""Writes the engine's test fixtures: tiny random GPT-2 checkpoints in the Hugging Face layout (config.json,
model.safetensors with `transformer.` names, tokenizer.json, tokenizer_config.json) and, next to each, the
reference activations `<name>.expected.safetensors` computed by gpt2_ref.py in float64.

Regenerate (deterministic):  /usr/bin/python3 tools/reference/make_fixtures.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import gpt2_ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures')
FORMAT_VERSION = '1'
MERGES = ['Ġ t', 'h e', 'Ġt he', 'i n', 'Ġ a', 'e r', 'l l', 'o n', 'Ġ c', 'a t', 'Ã ©']


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table."""
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer_files(n_ctx):
    """A byte-level BPE with 256 byte tokens (id = byte), a few merges, and <|endoftext|> last."""
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    for m in MERGES:
        vocab[m.replace(' ', '')] = len(vocab)
    eot = len(vocab)
    tok = {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [{'id': eot, 'content': '<|endoftext|>', 'single_word': False, 'lstrip': False,
                          'rstrip': False, 'normalized': True, 'special': True}],
        'normalizer': None,
        'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
        'post_processor': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False, 'vocab': vocab, 'merges': MERGES},
    }
    tok_config = {'bos_token': '<|endoftext|>', 'eos_token': '<|endoftext|>', 'unk_token': '<|endoftext|>',
                  'model_max_length': n_ctx, 'tokenizer_class': 'GPT2Tokenizer', 'add_prefix_space': False}
    return tok, tok_config, eot + 1


def random_weights(cfg, gen):
    d, L, V, C = cfg['n_embd'], cfg['n_layer'], cfg['vocab_size'], cfg['n_positions']
    m = cfg.get('n_inner') or 4 * d
    rnd = lambda *shape, std=0.3: torch.randn(*shape, generator=gen, dtype=torch.float64) * std
    W = {'wte.weight': rnd(V, d, std=0.5), 'wpe.weight': rnd(C, d, std=0.2)}
    for l in range(L):
        h = f'h.{l}.'
        W.update({
            h + 'ln_1.weight': 1 + rnd(d, std=0.2), h + 'ln_1.bias': rnd(d, std=0.1),
            h + 'attn.c_attn.weight': rnd(d, 3 * d), h + 'attn.c_attn.bias': rnd(3 * d, std=0.1),
            h + 'attn.c_proj.weight': rnd(d, d, std=0.2), h + 'attn.c_proj.bias': rnd(d, std=0.1),
            h + 'ln_2.weight': 1 + rnd(d, std=0.2), h + 'ln_2.bias': rnd(d, std=0.1),
            h + 'mlp.c_fc.weight': rnd(d, m), h + 'mlp.c_fc.bias': rnd(m, std=0.1),
            h + 'mlp.c_proj.weight': rnd(m, d, std=0.2), h + 'mlp.c_proj.bias': rnd(d, std=0.1),
        })
    W['ln_f.weight'] = 1 + rnd(d, std=0.2)
    W['ln_f.bias'] = rnd(d, std=0.1)
    # the float32 values are the checkpoint: the reference runs on exactly what the engine reads
    return {k: v.float().double() for k, v in W.items()}


def flatten(prefix, out):
    t = {f'{prefix}.logits': out['logits'], f'{prefix}.resid_final': out['resid_final'],
         f'{prefix}.lnf_scale': out['lnf_scale'].reshape(-1)}
    for l, acts in enumerate(out['layers']):
        for name, v in acts.items():
            t[f'{prefix}.{name}.{l}'] = v.reshape(-1) if name.endswith('_scale') else v
    return {k: v.detach().numpy() for k, v in t.items()}


def make(name, cfg_overrides, seed):
    gen = torch.Generator().manual_seed(seed)
    tok, tok_config, vocab = tokenizer_files(cfg_overrides['n_positions'])
    eot = vocab - 1
    cfg = {'architectures': ['GPT2LMHeadModel'], 'model_type': 'gpt2', 'activation_function': 'gelu_new',
           'vocab_size': vocab, 'bos_token_id': eot, 'eos_token_id': eot, 'layer_norm_epsilon': 1e-5,
           'n_inner': None, 'tie_word_embeddings': True, **cfg_overrides}
    cfg['n_ctx'] = cfg['n_positions']
    W = random_weights(cfg, gen)
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(folder, 'tokenizer.json'), 'w') as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(os.path.join(folder, 'tokenizer_config.json'), 'w') as f:
        json.dump(tok_config, f, indent=2)
    gpt2_ref.write_safetensors(os.path.join(folder, 'model.safetensors'), {'transformer.' + k: v.numpy() for k, v in W.items()},
                               {'format': 'pt'})

    C = cfg['n_positions']
    ids = lambda n: [eot] + torch.randint(0, vocab - 1, (n - 1,), generator=gen).tolist()
    cases = {'one': [eot], 'mid': ids(min(7, C)), 'full': ids(C)}
    tensors = {}
    for case, case_ids in cases.items():
        tensors.update(flatten(case, gpt2_ref.forward(cfg, W, case_ids)))

    # frozen: other ids, with the patterns and norm scales of 'mid' fed in (circuit-tracer's frozen model)
    mid = gpt2_ref.forward(cfg, W, cases['mid'])
    frozen_ids = ids(len(cases['mid']))
    frozen_vals = {(n, l): acts[n] for l, acts in enumerate(mid['layers']) for n in ('pattern', 'ln1_scale', 'ln2_scale')}
    frozen_vals[('lnf_scale', None)] = mid['lnf_scale']
    freeze = lambda n, l, t: frozen_vals.get((n, l), t)
    tensors.update(flatten('frozen', gpt2_ref.forward(cfg, W, frozen_ids, freeze)))
    cases['frozen'] = frozen_ids

    # delta: a random additive delta at every layer's MLP output, on the 'mid' ids
    deltas = {l: torch.randn(len(cases['mid']), cfg['n_embd'], generator=gen, dtype=torch.float64).float().double()
              for l in range(cfg['n_layer'])}
    add_delta = lambda n, l, t: t + deltas[l] if n == 'mlp_out' else t
    tensors.update(flatten('delta', gpt2_ref.forward(cfg, W, cases['mid'], add_delta)))
    tensors.update({f'delta.mlp_out_delta.{l}': v.numpy() for l, v in deltas.items()})
    cases['delta'] = cases['mid']

    meta = {'format': 'self-tracing-reference', 'version': FORMAT_VERSION, 'cases': json.dumps(cases),
            'command': '/usr/bin/python3 tools/reference/make_fixtures.py'}
    gpt2_ref.write_safetensors(os.path.join(ROOT, f'{name}.expected.safetensors'), tensors, meta)
    print(f'{name}: {sum(v.numel() for v in W.values())} params, cases {list(cases)}')


if __name__ == '__main__':
    make('gpt2-tiny', {'n_layer': 2, 'n_embd': 24, 'n_head': 3, 'n_positions': 16}, seed=1)
    make('gpt2-tiny-b', {'n_layer': 3, 'n_embd': 20, 'n_head': 5, 'n_positions': 8, 'n_inner': 48,
                         'layer_norm_epsilon': 1e-6}, seed=2)
