"""Independent PyTorch autograd reference for the attribution engine (issue 5).

Builds tiny random GPT-2 models with random transcoders in circuit-tracer's file layouts, runs the local
replacement model (attention patterns and LayerNorm scales detached, MLP output = skip + (mlp_out - skip).detach())
and computes every adjacency entry with one autograd backward per target. Written from the definitions in
shared/research/circuit-tracer.md section 1, not from the engine's hand-written VJP.

Regenerate the committed fixtures (from the repository root; Debian's python3-torch):
    /usr/bin/python3 tools/reference/attribution_ref.py test/fixtures/attribution
"""

import json
import math
import os
import sys

import numpy as np
import torch

torch.set_default_dtype(torch.float64)  # the reference runs in fp64; the engine's fp32 is compared against it


# --- safetensors: the writer of the reference GPT-2 (the format is a JSON header plus raw little-endian bytes) ---

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_ref import write_safetensors  # noqa: E402


# --- the model ---

class Gpt2:
    def __init__(self, cfg, seed):
        g = torch.Generator().manual_seed(seed)
        d, V, C, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"]
        rnd = lambda *s, scale=0.3: torch.randn(*s, generator=g) * scale
        self.cfg = cfg
        self.p = {"wte.weight": rnd(V, d, scale=0.5), "wpe.weight": rnd(C, d, scale=0.2),
                  "ln_f.weight": 1 + rnd(d, scale=0.1), "ln_f.bias": rnd(d, scale=0.1)}
        for l in range(L):
            h = f"h.{l}."
            self.p.update({
                h + "ln_1.weight": 1 + rnd(d, scale=0.1), h + "ln_1.bias": rnd(d, scale=0.1),
                h + "attn.c_attn.weight": rnd(d, 3 * d, scale=0.4), h + "attn.c_attn.bias": rnd(3 * d, scale=0.1),
                h + "attn.c_proj.weight": rnd(d, d), h + "attn.c_proj.bias": rnd(d, scale=0.1),
                h + "ln_2.weight": 1 + rnd(d, scale=0.1), h + "ln_2.bias": rnd(d, scale=0.1),
                h + "mlp.c_fc.weight": rnd(d, 4 * d), h + "mlp.c_fc.bias": rnd(4 * d, scale=0.1),
                h + "mlp.c_proj.weight": rnd(4 * d, d, scale=0.2), h + "mlp.c_proj.bias": rnd(d, scale=0.1),
            })

    def save(self, folder):
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(self.cfg, f, indent=2)
        write_safetensors(os.path.join(folder, "model.safetensors"), {"transformer." + k: v for k, v in self.p.items()})


def layer_norm(x, w, b, eps, frozen):
    """TransformerLens LayerNorm: centre, divide by hook_scale (detached under the local replacement model)."""
    x = x - x.mean(-1, keepdim=True)
    scale = (x.pow(2).mean(-1, keepdim=True) + eps).sqrt()
    if frozen:
        scale = scale.detach()
    return x / scale * w + b, x / scale, scale


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3))))


class Transcoders:
    """Random per-layer (relu / jumprelu / topk, optional skip) or cross-layer transcoders."""

    def __init__(self, kind, L, d, n, seed, input_hook, activation="relu", skip=False, k=None):
        g = torch.Generator().manual_seed(seed)
        rnd = lambda *s, scale=0.3: torch.randn(*s, generator=g) * scale
        self.kind, self.L, self.d, self.n = kind, L, d, n
        self.input_hook, self.activation, self.k = input_hook, activation, k
        self.W_enc = [rnd(n, d, scale=0.4) for _ in range(L)]
        self.b_enc = [rnd(n, scale=0.3) - 0.6 for _ in range(L)]
        self.b_dec = [rnd(d, scale=0.1) for _ in range(L)]
        self.threshold = [torch.rand(n, generator=g) * 0.5 for _ in range(L)] if activation == "jumprelu" else None
        self.W_skip = [rnd(d, d, scale=0.2) for _ in range(L)] if skip else None
        if kind == "plt":
            self.W_dec = [rnd(n, d, scale=0.3) for _ in range(L)]
        else:  # W_dec[i]: (n, L - i, d); slot j writes to layer i + j
            self.W_dec = [rnd(n, L - i, d, scale=0.3) for i in range(L)]

    def act(self, l, pre):
        if self.activation == "relu":
            return torch.relu(pre)
        if self.activation == "jumprelu":
            return pre * (pre > self.threshold[l])
        idx = torch.topk(pre, self.k, dim=-1).indices
        gate = torch.zeros_like(pre).scatter(-1, idx, 1.0)
        return pre * gate

    def skip(self, l, u):
        return u @ self.W_skip[l].T if self.W_skip is not None else u * 0

    def save(self, folder):
        os.makedirs(folder, exist_ok=True)
        cfg = {"model_kind": "transcoder_set" if self.kind == "plt" else "cross_layer_transcoder",
               "feature_input_hook": self.input_hook, "feature_output_hook": "mlp.hook_out", "scan": "fixture"}
        if self.activation == "topk":
            cfg.update({"activation": "topk", "k": self.k})
        with open(os.path.join(folder, "config.yaml"), "w") as f:
            for key, v in cfg.items():
                f.write(f"{key}: {json.dumps(v)}\n")
        for l in range(self.L):
            if self.kind == "plt":
                t = {"W_enc": self.W_enc[l], "W_dec": self.W_dec[l], "b_enc": self.b_enc[l], "b_dec": self.b_dec[l]}
                if self.threshold is not None:
                    t["activation_function.threshold"] = self.threshold[l]
                if self.W_skip is not None:
                    t["W_skip"] = self.W_skip[l]
                write_safetensors(os.path.join(folder, f"layer_{l}.safetensors"), t)
            else:
                t = {f"W_enc_{l}": self.W_enc[l], f"b_enc_{l}": self.b_enc[l], f"b_dec_{l}": self.b_dec[l]}
                if self.threshold is not None:
                    t[f"threshold_{l}"] = self.threshold[l]
                write_safetensors(os.path.join(folder, f"W_enc_{l}.safetensors"), t)
                write_safetensors(os.path.join(folder, f"W_dec_{l}.safetensors"), {f"W_dec_{l}": self.W_dec[l]})


def run(model, tc, ids, replacement):
    """One forward. With `replacement`, the local replacement model: records the tensors gradients are taken at."""
    p, cfg = model.p, model.cfg
    L, H, eps = cfg["n_layer"], cfg["n_head"], cfg["layer_norm_epsilon"]
    P, d = len(ids), cfg["n_embd"]
    dh = d // H
    embed = p["wte.weight"][ids].clone()
    if replacement:
        embed.requires_grad_(True)
    x = embed + p["wpe.weight"][:P]
    mask = torch.tril(torch.ones(P, P, dtype=torch.bool))
    rec = {"u": [], "hook": [], "embed": embed}
    for l in range(L):
        h = f"h.{l}."
        a, _, _ = layer_norm(x, p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps, replacement)
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]
        q, k, v = [t.reshape(P, H, dh).transpose(0, 1) for t in qkv.split(d, -1)]
        scores = (q @ k.transpose(1, 2)) / math.sqrt(dh)
        pattern = torch.softmax(scores.masked_fill(~mask, float("-inf")), -1)
        if replacement:
            pattern = pattern.detach()
        z = (pattern @ v).transpose(0, 1).reshape(P, d)
        x = x + z @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        resid_mid = x
        m, normalized, s2 = layer_norm(x, p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps, replacement)
        u = {"mlp.hook_in": m, "hook_resid_mid": resid_mid, "ln2.hook_normalized": normalized}[tc.input_hook]
        mlp_out = gelu_new(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"]) @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
        if replacement:
            skip = tc.skip(l, u)
            mlp_out = skip + (mlp_out - skip).detach()  # the transcoder skip is the only gradient path through the MLP
        rec["u"].append(u)
        rec["hook"].append(mlp_out)
        x = x + mlp_out
    f, _, _ = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], eps, replacement)
    rec["ln_final"] = f
    rec["logits"] = f @ p["wte.weight"].T
    return rec


def attribute(model, tc, ids, max_n_logits=10, desired_logit_prob=0.95):
    rec = run(model, tc, ids, replacement=True)
    return adjacency_by_autograd(rec, tc, model.p["wte.weight"][ids], model.p["wte.weight"], max_n_logits, desired_logit_prob)


def adjacency_by_autograd(rec, tc, tokens, unembed, max_n_logits=10, desired_logit_prob=0.95):
    """circuit-tracer's adjacency, one autograd backward per target row, for any model family.

    `rec` is what the local replacement model's forward recorded: per layer the transcoder input `u` and the feature
    output hook's value `hook` (skip + (out - skip).detach()), the embedding output `embed` (requires grad), the
    final norm's output `ln_final` and the `logits`. `tokens` are the token nodes' vectors ([P, d]), `unembed` the
    unembedding rows ([V, d]). Features and errors at BOS are zeroed; logit targets are the top logits up to
    `desired_logit_prob`, injected at the final norm's output as W_U[t] - mean(W_U)."""
    L, (P, d) = len(rec["hook"]), tokens.shape
    # transcoder components on the clean forward (BOS position zeroed)
    acts, feats = [], []
    recon = torch.zeros(L, P, d)
    for l in range(L):
        u = rec["u"][l].detach()
        a = tc.act(l, u @ tc.W_enc[l].T + tc.b_enc[l])
        a[0] = 0
        acts.append(a)
        for pos, f in (a != 0).nonzero().tolist():
            feats.append((l, pos, f, a[pos, f].item()))
        recon[l] += tc.b_dec[l] + tc.skip(l, u)
    feats.sort()
    for (l, pos, f, val) in feats:
        if tc.kind == "plt":
            recon[l, pos] += val * tc.W_dec[l][f]
        else:
            for j in range(L - l):
                recon[l + j, pos] += val * tc.W_dec[l][f, j]
    mlp_out = torch.stack([h.detach() for h in rec["hook"]])
    errors = mlp_out - recon
    errors[:, 0] = 0
    A = len(feats)

    # salient logit targets at the last position
    logits = rec["logits"][-1].detach()
    probs = torch.softmax(logits, -1)
    top_p, top_idx = torch.topk(probs, max_n_logits)
    cutoff = int(torch.searchsorted(torch.cumsum(top_p, 0), torch.tensor(desired_logit_prob))) + 1
    logit_ids = top_idx[:cutoff]
    vecs = unembed[logit_ids] - unembed.mean(0, keepdim=True)
    K = len(logit_ids)

    def row(target):
        """gradients of one scalar target at every write location, contracted with every source's write vector"""
        grads = torch.autograd.grad(target, rec["hook"] + [rec["embed"]], retain_graph=True, allow_unused=True)
        g = [torch.zeros(P, d) if x is None else x for x in grads]
        out = torch.zeros(A + (L + 1) * P)
        for i, (l, pos, f, val) in enumerate(feats):
            if tc.kind == "plt":
                out[i] = val * (g[l][pos] @ tc.W_dec[l][f])
            else:
                out[i] = sum(val * (g[l + j][pos] @ tc.W_dec[l][f, j]) for j in range(L - l))
        for l in range(L):
            out[A + l * P: A + (l + 1) * P] = (g[l] * errors[l]).sum(-1)
        out[A + L * P:] = (g[L] * tokens).sum(-1)
        return out

    N = A + (L + 1) * P + K
    adj = torch.zeros(N, N)
    for i, (l, pos, f, val) in enumerate(feats):
        pre = rec["u"][l][pos] @ tc.W_enc[l][f] + tc.b_enc[l][f]
        adj[i, : A + (L + 1) * P] = row(pre)
    for kk in range(K):
        adj[A + (L + 1) * P + kk, : A + (L + 1) * P] = row(rec["ln_final"][-1] @ vecs[kk])
    return {"rec": rec, "feats": feats, "adj": adj, "errors": errors, "logit_ids": logit_ids, "logit_probs": probs[logit_ids],
            "vecs": vecs, "A": A, "K": K, "N": N, "acts": acts}


def reference_graph(name, res, **extra):
    """What every attribution fixture stores of a reference result: expected.safetensors' tensors that the tests
    read (with circuit-tracer's selection under a budget of a third of the features; `extra` adds more, in the
    committed files' order) and expected.json's counts and budget."""
    M, B, U = max(4, res["A"] // 3), 8, 2
    selected = select_features(res, M, B, U)
    tensors = {
        "adjacency": res["adj"],
        "active_features": torch.tensor([[l, p, f] for (l, p, f, _) in res["feats"]], dtype=torch.float64),
        "activations": torch.tensor([v for (*_, v) in res["feats"]]),
        "logit_ids": res["logit_ids"].double(),
        "logit_probs": res["logit_probs"],
        "selected": selected.double(),
        **extra,
    }
    order = ["adjacency", "active_features", "activations", "error_vectors", "logit_ids", "logit_probs", "logits_last", "selected"]
    tensors = {k: tensors[k] for k in sorted(tensors, key=lambda k: order.index(k) if k in order else len(order))}
    meta = {"n_active": res["A"], "n_logits": res["K"], "budget": {"max_feature_nodes": M, "batch_size": B, "update_interval": U}}
    print(f"{name}: {res['A']} active features, {res['K']} logits, N = {res['N']}")
    return tensors, meta


def partial_influences(edge, logit_p, row_to_node):
    """circuit-tracer's compute_partial_influences"""
    norm = edge.abs()
    norm = norm / norm.sum(1, keepdim=True).clamp(min=1e-8)
    infl = torch.zeros(edge.shape[1])
    prod = torch.zeros(edge.shape[1])
    prod[-len(logit_p):] = logit_p
    for _ in range(128):
        prod = prod[row_to_node] @ norm
        if not prod.any():
            break
        infl += prod
    return infl


def select_features(res, max_feature_nodes, batch_size, update_interval):
    """circuit-tracer's feature queue (section 1.7) over the full adjacency rows already computed"""
    A, K, N = res["A"], res["K"], res["N"]
    adj = res["adj"]
    edge = torch.zeros(max_feature_nodes + K, N)
    edge[:K] = adj[N - K:]
    row_to_node = torch.zeros(max_feature_nodes + K, dtype=torch.long)
    row_to_node[:K] = torch.arange(K) + (N - K)
    visited = torch.zeros(A, dtype=torch.bool)
    st, n_visited = K, 0
    while n_visited < max_feature_nodes:
        infl = partial_influences(edge[:st], res["logit_probs"], row_to_node[:st])
        rank = torch.argsort(infl[:A], descending=True)
        queue = min(update_interval * batch_size, max_feature_nodes - n_visited)
        pending = rank[~visited[rank]][:queue]
        for i in range(0, len(pending), batch_size):
            b = pending[i: i + batch_size]
            edge[st: st + len(b)] = adj[b]
            row_to_node[st: st + len(b)] = b
            visited[b] = True
            st += len(b)
            n_visited += len(b)
    return torch.where(visited)[0]


FIXTURES = {
    # name: (transcoder kind, input hook, activation, W_skip)
    "plt-relu-skip": ("plt", "mlp.hook_in", "relu", True),
    "plt-jumprelu-resid": ("plt", "hook_resid_mid", "jumprelu", False),
    "plt-topk-normalized": ("plt", "ln2.hook_normalized", "topk", True),
    "clt-relu": ("clt", "mlp.hook_in", "relu", False),
}


def make_fixture(out_dir, name, seed):
    kind, hook, activation, skip = FIXTURES[name]
    cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_layer": 3, "n_head": 2, "n_embd": 16,
           "n_positions": 16, "vocab_size": 40, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
           "bos_token_id": 0, "eos_token_id": 0}
    model = Gpt2(cfg, seed)
    tc = Transcoders(kind, cfg["n_layer"], cfg["n_embd"], 24, seed + 1, hook, activation, skip, k=4)
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    model.save(folder)
    tc.save(os.path.join(folder, "transcoders"))
    g = torch.Generator().manual_seed(seed + 2)
    ids = [0] + torch.randint(1, cfg["vocab_size"], (6,), generator=g).tolist()
    res = attribute(model, tc, ids)
    tensors, meta = reference_graph(name, res, error_vectors=res["errors"], logits_last=res["rec"]["logits"][-1].detach())
    write_safetensors(os.path.join(folder, "expected.safetensors"), tensors)
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"ids": ids, **meta}, f, indent=2)

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/attribution"
    for i, name in enumerate(FIXTURES):
        make_fixture(out, name, 100 + 10 * i)
