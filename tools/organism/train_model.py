"""Trains the organism GPT-2 on the corpus and writes config.json + model.safetensors.
Usage: python3 train_model.py <corpus.jsonl> <modelDir> [steps]"""
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import data
from gpt2 import GPT2

# N_LAYER, N_HEAD, N_EMBD, WD (build.sh passes them; the defaults are the shipped model's).
CONFIG = dict(n_layer=int(os.environ.get('N_LAYER', 4)), n_head=int(os.environ.get('N_HEAD', 4)),
              n_embd=int(os.environ.get('N_EMBD', 128)), n_positions=128, layer_norm_epsilon=1e-5)
BATCH, LR, WARMUP = 32, 3e-3, 100
WD = float(os.environ.get('WD', 0.1))  # AdamW weight decay of the matrices (build.sh's WD)


def main():
    corpus, model_dir = sys.argv[1], sys.argv[2]
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    torch.set_num_threads(data.threads())
    torch.manual_seed(data.seed(0))
    rng = np.random.default_rng(data.seed(0))
    t0 = time.time()
    enc, train, val = data.load_stream(corpus, f'{model_dir}/tokenizer.json')
    print(f'tokenized: {len(train[1])} train docs, {len(train[0])} tokens in {time.time() - t0:.0f}s', flush=True)
    cfg = dict(CONFIG, vocab_size=len(enc.vocab), bos_token_id=enc.eot, eos_token_id=enc.eot)
    model = GPT2(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': WD}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=LR, betas=(0.9, 0.98))
    T = cfg['n_positions']
    t0 = time.time()
    for step in range(steps):
        lr = LR * min(1.0, (step + 1) / WARMUP) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        for g in opt.param_groups:
            g['lr'] = lr
        x, y = (torch.from_numpy(a) for a in data.windows(train, rng, BATCH, T))
        loss = F.cross_entropy(model(x).reshape(-1, cfg['vocab_size']), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(f'step {step} loss {loss.item():.4f} lr {lr:.2e} {time.time() - t0:.0f}s', flush=True)
    model.eval()
    vrng = np.random.default_rng(data.seed(1))
    with torch.no_grad():
        vl = np.mean([F.cross_entropy(model(torch.from_numpy(x)).reshape(-1, cfg['vocab_size']),
                                      torch.from_numpy(y).reshape(-1)).item()
                      for x, y in (data.windows(val, vrng, 32, T) for _ in range(8))])
    train_s = time.time() - t0
    print(f'validation loss {vl:.4f}; trained {steps} steps in {train_s:.0f}s', flush=True)
    model.save(model_dir, {'self_tracing': {'train_steps': steps, 'batch_size': BATCH, 'block_size': T,
                                            'train_seconds': round(train_s), 'validation_loss': round(float(vl), 4)}})


if __name__ == '__main__':
    main()
