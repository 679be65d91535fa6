"""Slice experiment (not part of build.sh): trains a GPT-2 on some themes of the corpus only and logs, every
EVAL_EVERY steps, the exact-match accuracy (teacher-forced greedy: every answer token and the terminator are the
argmax) of chosen evaluation families, to find a recipe for the full build quickly.
Usage: python3 slice_experiment.py <corpus.jsonl> <eval.jsonl> <tokenizer.json> <steps> <out.jsonl>
Environment: THEMES (comma list, default twohop,addition), FAMILIES (default: the two-hop and addition families),
N_LAYER, N_EMBD, N_HEAD, BATCH, LR, WD, WARMUP, EVAL_EVERY, THREADS, SEED, BLOCK (window length), SAVE (write the final state dict there)."""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import bpe
import data
from gpt2 import GPT2
from train_model import accuracy

env = os.environ.get


def load(corpus, eval_path, tok, themes, families):
    enc = bpe.Encoder.load(tok)
    docs = [enc.encode(d['text']) for d in map(json.loads, open(corpus, encoding='utf-8')) if d['theme'] in themes]
    items = [e for e in map(json.loads, open(eval_path, encoding='utf-8')) if e['family'] in families]
    return enc, data._stream(docs, enc.eot), items


def encode_items(enc, items):
    out = []
    for it in items:
        p = enc.encode(it['prompt'])
        a = enc.encode(it['answer'])
        term = [enc.eot] if it['theme'] == 'addition' else enc.encode('.')
        out.append((it['family'], p, a + term))
    return out


def main():
    corpus, eval_path, tok, steps, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    themes = env('THEMES', 'twohop,addition').split(',')
    families = env('FAMILIES', 'composed,composed_heldout,composed_ood,composed_abbrev,composed_abbrev_ood,'
                               'city_state,state_capital,sum_heldout,sum_trained').split(',')
    torch.set_num_threads(data.threads())
    torch.manual_seed(data.seed(0))
    rng = np.random.default_rng(data.seed(0))
    enc, stream, items = load(corpus, eval_path, tok, themes, families)
    enc_items = encode_items(enc, items)
    cfg = dict(n_layer=int(env('N_LAYER', 4)), n_head=int(env('N_HEAD', 4)), n_embd=int(env('N_EMBD', 128)),
               n_positions=128, layer_norm_epsilon=1e-5, vocab_size=len(enc.vocab), bos_token_id=enc.eot,
               eos_token_id=enc.eot)
    batch, lr_max, wd = int(env('BATCH', 32)), float(env('LR', 3e-3)), float(env('WD', 0.1))
    warm, every, T = int(env('WARMUP', 100)), int(env('EVAL_EVERY', 100)), int(env('BLOCK', 128))
    model = GPT2(cfg)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': wd}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=lr_max, betas=(0.9, 0.98))
    t0 = time.time()
    log = open(out, 'w')
    for step in range(steps + 1):
        if step % every == 0 or step == steps:
            rec = {'step': step, 's': round(time.time() - t0), **accuracy(model, enc, enc_items, ones=True)}
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + '\n')
            log.flush()
        if step == steps:
            if env('SAVE'):  # the trained model, for analysis (torch.save of the state dict)
                torch.save(model.state_dict(), env('SAVE'))
            break
        lr = lr_max * min(1.0, (step + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        for g in opt.param_groups:
            g['lr'] = lr
        x, y = (torch.from_numpy(a) for a in data.windows(stream, rng, batch, T))
        loss = F.cross_entropy(model(x).reshape(-1, cfg['vocab_size']), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()


if __name__ == '__main__':
    main()
