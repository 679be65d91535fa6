"""Writes the Gemma-2 / Gemma-3 test fixtures: tiny random checkpoints in the Hugging Face layout (config.json with
each family's field names, bf16 model.safetensors with the HF tensor names, a SentencePiece-style BPE tokenizer.json
with byte fallback, tokenizer_config.json) and next to each the reference activations
`<name>.expected.safetensors` computed by gemma_ref.py in float64 on exactly the bf16 values on disk.

Shapes exercise every branch: GQA (4 query heads over 2 kv heads), head_dim 8 ≠ hidden/heads, sliding window 4
shorter than the 'long' prompt, both layer types, attention and final soft-capping (Gemma-2, small caps so tanh
bends), q/k norms, two RoPE bases and linear rope_scaling on global layers (Gemma-3, layer_types derived from
sliding_window_pattern).

Regenerate (deterministic):  /usr/bin/python3 tools/reference/make_gemma_fixtures.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gemma_ref  # noqa: E402
from gpt2_ref import write_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures')
SPECIALS = ['<pad>', '<eos>', '<bos>', '<unk>', '<start_of_turn>', '<end_of_turn>']
PIECES = list('▁abcdefghijklmnopqrstuvwxyzTHIS.,')
MERGES = [('▁', 't'), ('h', 'e'), ('▁t', 'he'), ('i', 'n'), ('▁', 'a'), ('e', 'r'), ('o', 'n'), ('▁', 'c'), ('a', 't'),
          ('▁', 'i'), ('▁i', 's'), ('▁c', 'at')]


def tokenizer_files():
    """Gemma's tokenizer.json shape: spaces become ▁ in the normalizer, BPE with byte fallback <0xNN>, no pre-tokenizer."""
    vocab = {t: i for i, t in enumerate(SPECIALS)}
    for b in range(256):
        vocab[f'<0x{b:02X}>'] = len(vocab)
    for p in PIECES:
        vocab[p] = len(vocab)
    for a, b in MERGES:
        vocab[a + b] = len(vocab)
    added = [{'id': i, 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False,
              'special': True} for i, t in enumerate(SPECIALS)]
    tok = {
        'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added,
        'normalizer': {'type': 'Replace', 'pattern': {'String': ' '}, 'content': '▁'},
        'pre_tokenizer': None,
        'post_processor': {'type': 'TemplateProcessing', 'single': [{'SpecialToken': {'id': '<bos>', 'type_id': 0}},
                                                                    {'Sequence': {'id': 'A', 'type_id': 0}}],
                           'pair': [{'SpecialToken': {'id': '<bos>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                                    {'SpecialToken': {'id': '<bos>', 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
                           'special_tokens': {'<bos>': {'id': '<bos>', 'ids': [2], 'tokens': ['<bos>']}}},
        'decoder': {'type': 'Sequence', 'decoders': [{'type': 'Replace', 'pattern': {'String': '▁'}, 'content': ' '},
                                                     {'type': 'ByteFallback'}, {'type': 'Fuse'}]},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': '<unk>', 'continuing_subword_prefix': None,
                  'end_of_word_suffix': None, 'fuse_unk': True, 'byte_fallback': True, 'ignore_merges': False,
                  'vocab': vocab, 'merges': [f'{a} {b}' for a, b in MERGES]},
    }
    tok_config = {'bos_token': '<bos>', 'eos_token': '<eos>', 'pad_token': '<pad>', 'unk_token': '<unk>',
                  'add_bos_token': True, 'add_eos_token': False, 'tokenizer_class': 'GemmaTokenizer'}
    return tok, tok_config, len(vocab)


def random_weights(c, gen, gemma3):
    d, F, H, Hkv, hd, V, L = c['d'], c['F'], c['H'], c['Hkv'], c['hd'], c['V'], c['L']
    rnd = lambda *shape, std=0.3: torch.randn(*shape, generator=gen, dtype=torch.float64) * std
    W = {'model.embed_tokens.weight': rnd(V, d, std=0.5), 'model.norm.weight': rnd(d, std=0.3)}
    for l in range(L):
        p = f'model.layers.{l}.'
        W.update({
            p + 'input_layernorm.weight': rnd(d), p + 'post_attention_layernorm.weight': rnd(d),
            p + 'pre_feedforward_layernorm.weight': rnd(d), p + 'post_feedforward_layernorm.weight': rnd(d),
            p + 'self_attn.q_proj.weight': rnd(H * hd, d), p + 'self_attn.k_proj.weight': rnd(Hkv * hd, d),
            p + 'self_attn.v_proj.weight': rnd(Hkv * hd, d), p + 'self_attn.o_proj.weight': rnd(d, H * hd),
            p + 'mlp.gate_proj.weight': rnd(F, d), p + 'mlp.up_proj.weight': rnd(F, d), p + 'mlp.down_proj.weight': rnd(d, F),
        })
        if gemma3:
            W[p + 'self_attn.q_norm.weight'] = rnd(hd)
            W[p + 'self_attn.k_norm.weight'] = rnd(hd)
    return {k: gemma_ref.bf16_round(v) for k, v in W.items()}  # the bf16 values are the checkpoint


FAMILIES = {
    'gemma2-tiny': dict(seed=21, raw={
        'architectures': ['Gemma2ForCausalLM'], 'model_type': 'gemma2', 'hidden_size': 24, 'intermediate_size': 40,
        'num_hidden_layers': 3, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'head_dim': 8,
        'hidden_activation': 'gelu_pytorch_tanh', 'hidden_act': 'gelu_pytorch_tanh', 'query_pre_attn_scalar': 16,
        'attn_logit_softcapping': 2.0, 'final_logit_softcapping': 3.0, 'sliding_window': 4, 'rope_theta': 10000.0,
        'rms_norm_eps': 1e-6, 'max_position_embeddings': 32, 'attention_bias': False, 'tie_word_embeddings': True,
        'bos_token_id': 2, 'eos_token_id': 1, 'pad_token_id': 0, 'torch_dtype': 'bfloat16'}),
    'gemma3-tiny': dict(seed=31, raw={
        'architectures': ['Gemma3ForCausalLM'], 'model_type': 'gemma3_text', 'hidden_size': 24, 'intermediate_size': 40,
        'num_hidden_layers': 4, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'head_dim': 8,
        'hidden_activation': 'gelu_pytorch_tanh', 'query_pre_attn_scalar': 16, 'sliding_window': 4,
        'sliding_window_pattern': 3, 'rope_theta': 1000000.0, 'rope_local_base_freq': 10000.0,
        'rope_scaling': {'rope_type': 'linear', 'factor': 4.0}, 'final_logit_softcapping': None,
        'attn_logit_softcapping': None, 'rms_norm_eps': 1e-6, 'max_position_embeddings': 32, 'attention_bias': False,
        'tie_word_embeddings': True, 'bos_token_id': 2, 'eos_token_id': 1, 'pad_token_id': 0, 'torch_dtype': 'bfloat16'}),
}


def flatten(prefix, out):
    t = {f'{prefix}.logits': out['logits'], f'{prefix}.logits_raw': out['logits_raw'],
         f'{prefix}.resid_final': out['resid_final'], f'{prefix}.lnf_scale': out['lnf_scale'].reshape(-1)}
    for l, acts in enumerate(out['layers']):
        for name, v in acts.items():
            t[f'{prefix}.{name}.{l}'] = v.reshape(-1) if name.endswith('_scale') else v
    return {k: v.detach().numpy() for k, v in t.items()}


def save_model(folder, raw, W):
    tok, tok_config, _ = tokenizer_files()
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'config.json'), 'w') as f:
        json.dump(raw, f, indent=2)
    with open(os.path.join(folder, 'tokenizer.json'), 'w') as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(os.path.join(folder, 'tokenizer_config.json'), 'w') as f:
        json.dump(tok_config, f, indent=2)
    gemma_ref.write_bf16_safetensors(os.path.join(folder, 'model.safetensors'), W)


def build(name):
    spec = FAMILIES[name]
    gen = torch.Generator().manual_seed(spec['seed'])
    _, _, n_tok = tokenizer_files()
    raw = dict(spec['raw'], vocab_size=n_tok + 8)  # a few unused rows, as real checkpoints have
    c = gemma_ref.parse_config(raw)
    return raw, c, random_weights(c, gen, c['gemma3']), gen


def make(name):
    raw, c, W, gen = build(name)
    save_model(os.path.join(ROOT, name), raw, W)
    V = c['V']
    ids = lambda n: [2] + torch.randint(6, V, (n - 1,), generator=gen).tolist()
    cases = {'one': [2], 'mid': ids(7), 'long': ids(13)}
    tensors = {}
    for case, case_ids in cases.items():
        tensors.update(flatten(case, gemma_ref.forward(c, W, case_ids)))

    # frozen: other ids, with the patterns and every norm scale of 'mid' fed in (circuit-tracer's frozen model)
    mid = gemma_ref.forward(c, W, cases['mid'])
    frozen_vals = {(n, l): acts[n] for l, acts in enumerate(mid['layers'])
                   for n in ('pattern', 'ln1_scale', 'ln1_post_scale', 'ln2_scale', 'ln2_post_scale')}
    frozen_vals[('lnf_scale', None)] = mid['lnf_scale']
    frozen_ids = ids(len(cases['mid']))
    tensors.update(flatten('frozen', gemma_ref.forward(c, W, frozen_ids, lambda n, l, t: frozen_vals.get((n, l), t))))
    cases['frozen'] = frozen_ids

    # delta: a random additive delta at every layer's MLP output (hook_mlp_out) and at the scaled embedding
    P = len(cases['mid'])
    deltas = {l: torch.randn(P, c['d'], generator=gen, dtype=torch.float64).float().double() for l in range(c['L'])}
    embed_delta = torch.randn(P, c['d'], generator=gen, dtype=torch.float64).float().double()
    add = lambda n, l, t: t + deltas[l] if n == 'mlp_out' else (t + embed_delta if n == 'embed' else t)
    tensors.update(flatten('delta', gemma_ref.forward(c, W, cases['mid'], add)))
    tensors.update({f'delta.mlp_out_delta.{l}': v.numpy() for l, v in deltas.items()})
    tensors['delta.embed_delta'] = embed_delta.numpy()
    cases['delta'] = cases['mid']

    meta = {'format': 'self-tracing-reference', 'version': '1', 'cases': json.dumps(cases),
            'command': '/usr/bin/python3 tools/reference/make_gemma_fixtures.py'}
    write_safetensors(os.path.join(ROOT, f'{name}.expected.safetensors'), tensors, meta)
    print(f'{name}: {sum(v.numel() for v in W.values())} params, layer types {c["layer_types"]}, cases {list(cases)}')


if __name__ == '__main__':
    for n in FAMILIES:
        make(n)
