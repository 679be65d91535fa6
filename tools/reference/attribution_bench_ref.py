"""PyTorch baseline for bench/attribution.bench.ts: circuit-tracer's batched algorithm (one forward over a batch of
copies of the prompt, one autograd backward per batch of targets, dense edge matrix, feature queue refreshed every
update_interval batches) on the same checkpoint, transcoders, tokens and cores as the engine. Prints one JSON line.

usage: /usr/bin/python3 tools/reference/attribution_bench_ref.py MODEL_DIR TRANSCODER_DIR IDS_JSON MAX_FEATURES BATCH THREADS
"""

import json
import math
import os
import resource
import struct
import sys
import time

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            a, b = info["data_offsets"]
            f.seek(base + a)
            out[name] = torch.from_numpy(np.frombuffer(f.read(b - a), dtype=np.float32).reshape(info["shape"]).copy())
        return out


def main():
    model_dir, tc_dir, ids_json, max_features, batch, threads = sys.argv[1:7]
    torch.set_num_threads(int(threads))
    ids = json.loads(ids_json)
    max_features, B = int(max_features), int(batch)
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    w = {k.removeprefix("transformer."): v for k, v in read_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
    L, H, d, eps = cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg.get("layer_norm_epsilon", 1e-5)
    tcs = [read_safetensors(os.path.join(tc_dir, f"layer_{l}.safetensors")) for l in range(L)]
    t0 = time.time()
    P, dh = len(ids), d // H
    ids_t = torch.tensor(ids)

    def ln(x, wt, bs):
        x = x - x.mean(-1, keepdim=True)
        s = (x.pow(2).mean(-1, keepdim=True) + eps).sqrt().detach()
        return x / s * wt + bs

    def forward(nb):
        embed = w["wte.weight"][ids_t].expand(nb, P, d).clone().requires_grad_(True)
        x = embed + w["wpe.weight"][:P]
        mask = torch.tril(torch.ones(P, P, dtype=torch.bool))
        us, hooks = [], []
        for l in range(L):
            h = f"h.{l}."
            a = ln(x, w[h + "ln_1.weight"], w[h + "ln_1.bias"])
            q, k, v = [t.reshape(nb, P, H, dh).transpose(1, 2) for t in (a @ w[h + "attn.c_attn.weight"] + w[h + "attn.c_attn.bias"]).split(d, -1)]
            pat = torch.softmax(((q @ k.transpose(-1, -2)) / math.sqrt(dh)).masked_fill(~mask, float("-inf")), -1).detach()
            x = x + (pat @ v).transpose(1, 2).reshape(nb, P, d) @ w[h + "attn.c_proj.weight"] + w[h + "attn.c_proj.bias"]
            u = ln(x, w[h + "ln_2.weight"], w[h + "ln_2.bias"])
            m = u @ w[h + "mlp.c_fc.weight"] + w[h + "mlp.c_fc.bias"]
            out = (0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m.pow(3))))) @ w[h + "mlp.c_proj.weight"] + w[h + "mlp.c_proj.bias"]
            skip = u @ tcs[l]["W_skip"].T if "W_skip" in tcs[l] else u * 0
            out = skip + (out - skip).detach()
            us.append(u)
            hooks.append(out)
            x = x + out
        return embed, us, hooks, ln(x, w["ln_f.weight"], w["ln_f.bias"])

    # precompute: clean forward, active features, decoder vectors, errors
    with torch.no_grad():
        _, us1, hooks1, f1 = forward(1)
    feats, enc_vecs, dec_vecs = [], [], []
    recon = torch.zeros(L, P, d)
    for l in range(L):
        u = us1[l][0]
        pre = u @ tcs[l]["W_enc"].T + tcs[l]["b_enc"]
        a = torch.relu(pre)
        a[0] = 0
        nz = a.nonzero()
        for p, f in nz.tolist():
            feats.append((l, p, f))
        vals = a[nz[:, 0], nz[:, 1]]
        enc_vecs.append(tcs[l]["W_enc"][nz[:, 1]])
        dv = tcs[l]["W_dec"][nz[:, 1]] * vals[:, None]
        dec_vecs.append(dv)
        recon[l].index_add_(0, nz[:, 0], dv)
        recon[l] += tcs[l]["b_dec"] + (u @ tcs[l]["W_skip"].T if "W_skip" in tcs[l] else 0)
    errors = torch.stack([h[0] for h in hooks1]) - recon
    errors[:, 0] = 0
    tokens = w["wte.weight"][ids_t]
    A = len(feats)
    feat_l = torch.tensor([f[0] for f in feats])
    feat_p = torch.tensor([f[1] for f in feats])
    layer_start = [0]
    for l in range(L):
        layer_start.append(layer_start[-1] + len(dec_vecs[l]))
    enc_all = torch.cat(enc_vecs)
    logits = f1[0, -1] @ w["wte.weight"].T
    probs = torch.softmax(logits, -1)
    top_p, top_i = torch.topk(probs, 10)
    cutoff = int(torch.searchsorted(torch.cumsum(top_p, 0), torch.tensor(0.95))) + 1
    tgt = top_i[:cutoff]
    WU = w["wte.weight"]
    vecs = WU[tgt] - WU.mean(0)
    K = len(tgt)
    C = A + (L + 1) * P
    F = min(max_features, A)

    embed, us, hooks, fin = forward(B)

    def rows_for(layers, positions, inject):
        n = len(layers)
        total = 0
        for b in range(n):
            src = fin if layers[b] == L else us[layers[b]]
            total = total + src[b, positions[b]] @ inject[b]
        grads = [torch.zeros(B, P, d) if g is None else g for g in torch.autograd.grad(total, hooks + [embed], retain_graph=True, allow_unused=True)]
        out = torch.zeros(n, C)
        for l in range(L):
            G = grads[l][:n]
            s, e = layer_start[l], layer_start[l + 1]
            out[:, s:e] = torch.einsum("bnd,nd->bn", G[:, feat_p[s:e]], dec_vecs[l])
            out[:, A + l * P: A + (l + 1) * P] = torch.einsum("bpd,pd->bp", G, errors[l])
        out[:, A + L * P:] = torch.einsum("bpd,pd->bp", grads[L][:n], tokens)
        return out

    edge = torch.zeros(F + K, C + K)
    row_node = torch.zeros(F + K, dtype=torch.long)
    edge[:K, :C] = rows_for([L] * K, [P - 1] * K, vecs)
    row_node[:K] = torch.arange(K) + C
    visited = torch.zeros(A, dtype=torch.bool)
    st, nv = K, 0
    while nv < F:
        if F == A:
            pending = torch.arange(A)
        else:
            norm = edge[:st].abs()
            norm = norm / norm.sum(1, keepdim=True).clamp(min=1e-8)
            infl = torch.zeros(C + K)
            prod = torch.zeros(C + K)
            prod[-K:] = probs[tgt]
            for _ in range(128):
                prod = prod[row_node[:st]] @ norm
                if not prod.any():
                    break
                infl += prod
            rank = torch.argsort(infl[:A], descending=True)
            pending = rank[~visited[rank]][: min(4 * B, F - nv)]
        for i in range(0, len(pending), B):
            idx = pending[i: i + B]
            edge[st: st + len(idx), :C] = rows_for(feat_l[idx].tolist(), feat_p[idx].tolist(), enc_all[idx])
            row_node[st: st + len(idx)] = idx
            visited[idx] = True
            st += len(idx)
            nv += len(idx)
    elapsed = time.time() - t0
    # matmul throughput on the same threads
    a, bm = torch.randn(4096, d), torch.randn(d, d)
    for _ in range(3):
        a @ bm
    t1 = time.time()
    for _ in range(20):
        a @ bm
    gflops = 20 * 2 * 4096 * d * d / (time.time() - t1) / 1e9
    print(json.dumps({"seconds": elapsed, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "active": A, "features": F, "logits": K, "matmul_gflops": gflops}))


if __name__ == "__main__":
    main()
