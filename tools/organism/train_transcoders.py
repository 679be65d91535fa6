"""Trains one ReLU skip-transcoder per layer on the organism's MLPs (input mlp.hook_in = ln_2 output, target
mlp.hook_out) and writes transcoders/config.yaml + layer_{i}.safetensors.
Usage: python3 train_transcoders.py <corpus.jsonl> <modelDir> [d_tc] [steps]
Layers are trained in THREADS processes of one thread each (forked after the activations are collected, so they share
them); layer i draws from its own generator (seed 10 + i), so its transcoder does not depend on THREADS's split.
TARGET_L0 (default 24) is the mean number of active features the sparsity penalty steers to; N_WINDOWS (default 3000)
the 128-token training windows whose MLP inputs and outputs the transcoders learn from."""
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import yaml

import data
from gpt2 import GPT2
from transcoder import Transcoder

N_WINDOWS, BATCH, LR = int(os.environ.get('N_WINDOWS', 3000)), 1024, 1e-3
TARGET_L0 = float(os.environ.get('TARGET_L0', 24))


def collect(model, stream, n_windows, rng):
    ins, outs = [[] for _ in model.transformer.h], [[] for _ in model.transformer.h]
    with torch.no_grad():
        for _ in range(n_windows // 32):
            x, _ = data.windows(stream, rng, 32, model.cfg['n_positions'])
            rec = []
            model(torch.from_numpy(x), record=rec)
            for i, (u, o) in enumerate(rec):
                ins[i].append(u.reshape(-1, u.shape[-1]))
                outs[i].append(o.reshape(-1, o.shape[-1]))
    return [torch.cat(t) for t in ins], [torch.cat(t) for t in outs]


def train_layer(u, y, d_tc, steps, gen, tag=''):
    n, d = u.shape
    tc = Transcoder(d, d_tc)
    # Trained on inputs scaled to norm sqrt(d) and outputs to unit variance a dimension, then scaled back: layers differ
    # by 100x in how much their MLP writes next to what it reads, and one learning rate fits all layers only this way
    # (unscaled, the features of a layer with a quiet MLP die in the first steps). Activations are the same either way.
    su = u.norm(dim=1).mean() / d ** 0.5
    sy = ((y - y.mean(0)).pow(2).sum(1).mean() / d).sqrt()
    u, y = u / su, y / sy
    with torch.no_grad():
        # Skip and decoder bias start at the least-squares linear fit; features learn what it misses.
        # torch.linalg.lstsq returns different bits for the same input from one call to the next on this torch/OpenBLAS
        # (measured: 3 results in 5 calls), which made the transcoders differ between builds, so the fit solves the
        # normal equations in float64 (Cholesky, bit-for-bit repeatable). They are singular: u is a LayerNorm output,
        # (u - beta) . (1/gamma) = 0 for every token, so one input direction carries nothing. Solved as they stand
        # (a first version did) the fit put a weight of ~1e5 on that direction, which float32 turns into noise (FVE
        # down, and the attribution's acceptance check off by 10 %); centred, with a ridge of 1e-6 of the mean
        # variance, the fit puts nothing on that direction and predicts what lstsq's minimum-norm fit predicted.
        sub = torch.randperm(n, generator=gen)[:50000]
        X, Y = u[sub].double(), y[sub].double()
        mx, my = X.mean(0), Y.mean(0)
        Xc, Yc = X - mx, Y - my
        G = Xc.T @ Xc
        G += 1e-6 * G.diagonal().mean() * torch.eye(d, dtype=G.dtype)
        W = torch.cholesky_solve(Xc.T @ Yc, torch.linalg.cholesky(G))
        tc.W_skip.copy_(W.T.float())
        tc.b_dec.copy_((my - mx @ W).float())
        print(f'  {tag}skip fit: |W_skip| {W.norm().item():.2f}, explains {1 - (Yc - Xc @ W).pow(2).sum().item() / Yc.pow(2).sum().item():.3f} of the variance', flush=True)
        w = torch.randn(d_tc, d, generator=gen)
        w /= w.norm(dim=1, keepdim=True)
        tc.W_dec.copy_(w)
        tc.W_enc.copy_(w * 0.1 * d ** 0.5 / u.norm(dim=1).mean())
    var = (y - y.mean(0)).pow(2).sum(1).mean()
    with torch.no_grad():
        # Start the features' contribution at a tenth of the MLP output's spread: a layer whose MLP writes little (its
        # variance small next to its input's) would otherwise start with a reconstruction error many times its
        # variance, and the first large steps kill every feature.
        probe = u[sub[:4096]]
        size = (tc.encode(probe) @ tc.W_dec).pow(2).sum(1).mean().sqrt()
        tc.W_enc.mul_(0.1 * var.sqrt() / size)
    opt = torch.optim.Adam(tc.parameters(), lr=LR)
    lam, l0_ema, fired = 1e-4, None, torch.zeros(d_tc)
    for step in range(steps):
        idx = torch.randint(0, n, (BATCH,), generator=gen)
        recon, a = tc(u[idx])
        mse = (recon - y[idx]).pow(2).sum(1).mean() / var
        l1 = a.sum(1).mean()  # decoder rows have unit norm, so this is the decoder-weighted L1
        loss = mse + lam * l1
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            tc.W_dec /= tc.W_dec.norm(dim=1, keepdim=True)
            l0 = (a > 0).float().sum(1).mean().item()
            l0_ema = l0 if l0_ema is None else 0.98 * l0_ema + 0.02 * l0
            # Adjust the sparsity penalty until the mean L0 sits at the target.
            lam *= float(np.exp(0.02 * np.clip((l0_ema - TARGET_L0) / TARGET_L0, -1, 1)))
            lam = min(max(lam, 1e-5), 1e-1)  # bounded, so a collapse (L0 near 0) cannot drive it where it takes ages to return
            fired += (a > 0).sum(0)
            if step in (steps // 5, 2 * steps // 5, 3 * steps // 5):
                resample(tc, u, y, fired, gen, opt)
                fired.zero_()
        if step % 200 == 0 or step == steps - 1:
            print(f'  {tag}step {step} nmse {mse.item():.4f} L0 {l0:.1f} lambda {lam:.2e}', flush=True)
    fold_always_on(tc, u, tag)
    with torch.no_grad():
        tc.W_enc.div_(su)
        tc.W_dec.mul_(sy)
        tc.b_dec.mul_(sy)
        tc.W_skip.mul_(sy / su)
    return tc


def fold_always_on(tc, u, tag='', min_share=0.999):
    """
    Moves a feature that is active on (nearly) every training token into the skip connection. Where it is active a ReLU
    feature is linear in the input, a_j = W_enc[j]·u + b_enc[j], and writes a_j W_dec[j]: exactly W_skip += W_dec[j] ⊗
    W_enc[j] and b_dec += b_enc[j] W_dec[j]. Left as a feature it is a bias that shows on every graph at every position
    with the label of whatever context happens to excite it most (a layer-1 feature active on 100 % of tokens led the
    Dallas graph's paths labelled '"=" → a number'). The folded feature is switched off (W_enc and b_enc zero).
    """
    with torch.no_grad():
        on = torch.zeros(tc.W_enc.shape[0])
        for chunk in u.split(65536):
            on += (chunk @ tc.W_enc.T + tc.b_enc > 0).sum(0)
        folded = (on >= min_share * len(u)).nonzero().flatten()
        for j in folded.tolist():
            tc.W_skip += torch.outer(tc.W_dec[j], tc.W_enc[j])
            tc.b_dec += tc.b_enc[j] * tc.W_dec[j]
            tc.W_enc[j] = 0.0
            tc.b_enc[j] = 0.0
        print(f'  {tag}folded {len(folded)} always-on feature(s) into the skip connection: {folded.tolist()}', flush=True)


def resample(tc, u, y, fired, gen, opt):
    """Points features that never fired at inputs the transcoder reconstructs worst (as in Anthropic's SAE recipe)."""
    dead = (fired == 0).nonzero().flatten()
    if len(dead) == 0:
        return
    idx = torch.randint(0, len(u), (8192,), generator=gen)
    recon, _ = tc(u[idx])
    err = (y[idx] - recon).pow(2).sum(1)
    pick = idx[torch.multinomial(err, len(dead), replacement=True, generator=gen)]
    dirs = u[pick] / u[pick].norm(dim=1, keepdim=True)
    alive_norm = tc.W_enc[fired > 0].norm(dim=1).mean() if (fired > 0).any() else 1.0
    tc.W_enc[dead] = dirs * alive_norm * 0.2
    tc.b_enc[dead] = 0.0
    r, _ = tc(u[pick])
    resid = y[pick] - r
    tc.W_dec[dead] = resid / resid.norm(dim=1, keepdim=True)
    # Adam's moments of the re-initialised rows start again (old ones would throw them back where they died).
    for p in (tc.W_enc, tc.b_enc, tc.W_dec):
        st = opt.state.get(p)
        if st:
            st['exp_avg'][dead] = 0
            st['exp_avg_sq'][dead] = 0
    print(f'  resampled {len(dead)} dead features', flush=True)


def train_layers(rank, world, ins, outs, model_dir, d_tc, steps):
    torch.set_num_threads(1)
    for i in range(rank, len(ins), world):
        t1 = time.time()
        gen = torch.Generator().manual_seed(data.seed(10 + i))
        tc = train_layer(ins[i], outs[i], d_tc, steps, gen, f'layer {i} ')
        tc.save(f'{model_dir}/transcoders/layer_{i}.safetensors')
        print(f'layer {i} done in {time.time() - t1:.0f}s', flush=True)


def main():
    corpus, model_dir = sys.argv[1], sys.argv[2]
    d_tc = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    torch.set_num_threads(1)
    torch.manual_seed(data.seed(0))
    t0 = time.time()
    model = GPT2.load(model_dir)
    _, train, _ = data.load_stream(corpus, f'{model_dir}/tokenizer.json')
    ins, outs = collect(model, train, N_WINDOWS, np.random.default_rng(data.seed(2)))
    print(f'collected {len(ins[0])} tokens per layer in {time.time() - t0:.0f}s; {d_tc} features, target L0 {TARGET_L0}',
          flush=True)
    world = max(1, min(data.threads(), len(ins)))
    if world == 1:
        train_layers(0, 1, ins, outs, model_dir, d_tc, steps)
    else:
        import torch.multiprocessing as mp
        mp.start_processes(train_layers, args=(world, ins, outs, model_dir, d_tc, steps), nprocs=world,
                           start_method='fork')
    with open(f'{model_dir}/transcoders/config.yaml', 'w') as f:
        yaml.safe_dump({'model_name': 'self-tracing/organism', 'model_kind': 'transcoder_set',
                        'feature_input_hook': 'mlp.hook_in', 'feature_output_hook': 'mlp.hook_out',
                        'activation': 'relu'}, f, sort_keys=False)
    print(f'transcoders trained in {time.time() - t0:.0f}s', flush=True)


if __name__ == '__main__':
    main()
