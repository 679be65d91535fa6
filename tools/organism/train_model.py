"""Trains the organism GPT-2 on the corpus and writes config.json + model.safetensors.
Usage: python3 train_model.py <corpus.jsonl> <modelDir> [steps] [eval.jsonl curve.jsonl]

Data-parallel over THREADS processes of one thread each (torch.distributed, gloo on 127.0.0.1): on these CPUs two
one-thread processes run a step ~4x faster than one two-thread process (intra-op threads do not speed up matrices
this small, and a 32 x 128 x 2048 logit tensor passes glibc's mmap threshold, so every step page-faults it anew).
A step's 32 windows are drawn from one random stream whatever THREADS is and split into micro-batches of 16; each
process takes its share, gradients are summed across processes (a + b == b + a, so every process holds the same
bits) and every process takes the same AdamW step. THREADS changes only the order of floating-point sums.

With eval.jsonl and curve.jsonl, every CURVE_EVERY steps (default 250) process 0 logs the teacher-forced greedy
exact match of the held-out families (two-hop composed questions never trained, two-digit sums never trained) to
curve.jsonl: the training curve issue 14 asks to report."""
import json
import math
import os
import socket
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

import data
from gpt2 import GPT2

# N_LAYER, N_HEAD, N_EMBD, WD (build.sh passes them; the defaults are the shipped model's).
CONFIG = dict(n_layer=int(os.environ.get('N_LAYER', 6)), n_head=int(os.environ.get('N_HEAD', 4)),
              n_embd=int(os.environ.get('N_EMBD', 128)), n_positions=128, layer_norm_epsilon=1e-5)
BATCH, MICRO, LR, WARMUP = 32, 16, 3e-3, 100
WD = float(os.environ.get('WD', 0.5))  # AdamW weight decay of the matrices (build.sh's WD)
CURVE_EVERY = int(os.environ.get('CURVE_EVERY', 250))
# (no rhymes: any word of the rhyme is right, which a single teacher-forced answer cannot score)
CURVE_FAMILIES = ('composed_heldout', 'composed_ood', 'composed', 'city_state', 'sum_heldout', 'sum_trained',
                  'unknown_city', 'known_city', 'capital_es')


def lr_at(step, steps):
    return LR * min(1.0, (step + 1) / WARMUP) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))


def encode_items(enc, eval_path):
    """The curve's prompts: (family, prompt ids, answer ids + terminator)."""
    out = []
    for it in map(json.loads, open(eval_path, encoding='utf-8')):
        if it['family'] not in CURVE_FAMILIES:
            continue
        term = [enc.eot] if it['theme'] == 'addition' else enc.encode('.')
        out.append((it['family'], enc.encode(it['prompt']), enc.encode(it['answer']) + term))
    return out


@torch.no_grad()
def accuracy(model, enc, items, ones=False):
    """Teacher-forced greedy exact match: every answer token and the terminator are the argmax (= greedy decoding).
    ones: also the ones digit alone of the sums (`sum_*:ones`), as the slice experiments log it."""
    model.eval()
    res = {}
    for i in range(0, len(items), 128):
        chunk = items[i:i + 128]
        L = max(len(p) + len(a) for _, p, a in chunk)
        x = torch.full((len(chunk), L), enc.eot, dtype=torch.long)
        for j, (_, p, a) in enumerate(chunk):
            x[j, :len(p) + len(a)] = torch.tensor(p + a)
        pred = model(x).argmax(-1)
        for j, (fam, p, a) in enumerate(chunk):
            ok = all(int(pred[j, len(p) - 1 + k]) == a[k] for k in range(len(a)))
            r = res.setdefault(fam, [0, 0])
            r[0] += 1
            r[1] += ok
            if ones and fam.startswith('sum_'):  # the last digit before the end of document
                k = len(a) - 2
                r = res.setdefault(fam + ':ones', [0, 0])
                r[0] += 1
                r[1] += int(pred[j, len(p) - 1 + k]) == a[k]
    model.train()
    return {f: round(c / n, 3) for f, (n, c) in sorted(res.items())}


def worker(rank, world, port, args):
    model_dir, steps, enc, train, val, items, curve_path = args
    torch.set_num_threads(1)
    if world > 1:
        dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=world)
    torch.manual_seed(data.seed(0))  # the same initial weights in every process
    rng = np.random.default_rng(data.seed(0))  # the same windows in every process; each takes its micro-batches
    cfg = dict(CONFIG, vocab_size=len(enc.vocab), bos_token_id=enc.eot, eos_token_id=enc.eot)
    model = GPT2(cfg)
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': WD}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=LR, betas=(0.9, 0.98))
    T = cfg['n_positions']
    n_micro = BATCH // MICRO
    mine = [m for m in range(n_micro) if m % world == rank]
    curve = open(curve_path, 'w') if rank == 0 and curve_path else None
    t0 = time.time()
    for step in range(steps + 1):
        if curve is not None and (step % CURVE_EVERY == 0 or step == steps):
            rec = {'step': step, 's': round(time.time() - t0), **accuracy(model, enc, items)}
            curve.write(json.dumps(rec) + '\n')
            curve.flush()
            print('curve ' + json.dumps(rec), flush=True)
        if step == steps:
            break
        lr = lr_at(step, steps)
        for g in opt.param_groups:
            g['lr'] = lr
        x, y = (torch.from_numpy(a) for a in data.windows(train, rng, BATCH, T))
        opt.zero_grad(set_to_none=False)
        total = torch.zeros(())
        for m in mine:
            sl = slice(m * MICRO, (m + 1) * MICRO)
            loss = F.cross_entropy(model(x[sl]).reshape(-1, cfg['vocab_size']), y[sl].reshape(-1)) / n_micro
            loss.backward()
            total += loss.detach()
        if world > 1:
            flat = torch.cat([p.grad.reshape(-1) for p in params] + [total.reshape(1)])
            dist.all_reduce(flat)
            o = 0
            for p in params:
                p.grad.copy_(flat[o:o + p.numel()].view_as(p.grad))
                o += p.numel()
            total = flat[-1]
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if rank == 0 and (step % 100 == 0 or step == steps - 1):
            print(f'step {step} loss {total.item():.4f} lr {lr:.2e} {time.time() - t0:.0f}s', flush=True)
    if rank != 0:
        return
    model.eval()
    vrng = np.random.default_rng(data.seed(1))
    with torch.no_grad():
        vl = np.mean([F.cross_entropy(model(torch.from_numpy(x)).reshape(-1, cfg['vocab_size']),
                                      torch.from_numpy(y).reshape(-1)).item()
                      for x, y in (data.windows(val, vrng, MICRO, T) for _ in range(16))])
    train_s = time.time() - t0
    print(f'validation loss {vl:.4f}; trained {steps} steps in {train_s:.0f}s ({world} processes)', flush=True)
    model.save(model_dir, {'self_tracing': {'train_steps': steps, 'batch_size': BATCH, 'block_size': T,
                                            'weight_decay': WD, 'train_seconds': round(train_s),
                                            'validation_loss': round(float(vl), 4)}})


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main():
    corpus, model_dir = sys.argv[1], sys.argv[2]
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 5000  # build.sh's STEPS
    eval_path, curve_path = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else (None, None)
    world = max(1, min(data.threads(), BATCH // MICRO))
    t0 = time.time()
    enc, train, val = data.load_stream(corpus, f'{model_dir}/tokenizer.json')
    items = encode_items(enc, eval_path) if eval_path else []
    print(f'tokenized: {len(train[1])} train docs, {len(train[0])} tokens in {time.time() - t0:.0f}s', flush=True)
    args = (model_dir, steps, enc, train, val, items, curve_path)
    if world == 1:
        worker(0, 1, 0, args)
        return
    import torch.multiprocessing as mp
    # fork: the children share the tokenized corpus; no torch thread pool exists yet in this process.
    mp.start_processes(worker, args=(world, free_port(), args), nprocs=world, start_method='fork')


if __name__ == '__main__':
    main()
