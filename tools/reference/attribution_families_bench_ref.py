"""PyTorch baseline for bench/realModels.bench.ts (issue 12): circuit-tracer's batched attribution algorithm on the
Llama 3 / Qwen3 / Gemma-2 / Gemma-3 families, run on the same checkpoint, transcoders, tokens and cores as the engine.
Written from circuit-tracer's attribution (attribute_transformerlens.py: _run_attribution; context_transformerlens.py:
compute_batch and the backward hooks; replacement_model_transformerlens.py: the gradient freezes; graph.py:
compute_partial_influences) and the families' published definitions (via families_ref.py / gemma_ref.py); not a copy.

What it does, as circuit-tracer does it:
  - setup_attribution: one clean forward; every layer's transcoder encodes its input hook; active features (BOS
    position zeroed), their encoder rows and activation-scaled decoder rows; error vectors = hook value - transcoder
    reconstruction (BOS zeroed); token vectors; targets = the top logits up to 95 % cumulative probability (at most 10),
    injected as W_U[t] - mean(W_U) at the final norm's output.
  - one batched forward over `batch` copies of the prompt with the local replacement model's freezes: attention
    patterns and every norm scale detached, at the feature output hook skip(u) + (out - skip(u)).detach();
  - compute_batch: per batch of source nodes one autograd backward through the batch (each copy carries one source's
    injected vector at its layer's input hook and position), reading the gradient at every layer's output hook and
    at the embedding and contracting it with decoder rows, error vectors and token vectors (dense rows);
  - logit rows first, then feature rows in influence order (compute_partial_influences over the rows so far,
    refreshed every `update_interval` batches) until max_feature_nodes.
Differences that only save memory or time on a CPU (the gradients are the same): the MLP, q/k and the attention
pattern of the batched forward run under no_grad (circuit-tracer records them but detaches their outputs, so no
gradient reaches them); a layer's feature edges are one matmul per position instead of a gather of the gradient at
every feature's position; transcoder weights are read a layer at a time from their files (only active features'
rows kept) and MLP weights are widened from BF16 when used, as circuit-tracer's lazy loading would; files are read,
not memory-mapped, so the peak RSS is the baseline's own memory.

usage: /usr/bin/python3 tools/reference/attribution_families_bench_ref.py MODEL_DIR TRANSCODER_DIR IDS_JSON
       MAX_FEATURES BATCH THREADS [UPDATE_INTERVAL] [--check EXPECTED.safetensors]
MAX_FEATURES 0 = every active feature. Prints one JSON line (times in seconds, CPU time, peak RSS in MiB). With
--check, the rows it computed are compared with a fixture's autograd adjacency and its selected features.
"""

import json
import math
import os
import re
import resource
import struct
import sys
import time
import zipfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import families_ref  # noqa: E402
import gemma_ref  # noqa: E402

torch.set_default_dtype(torch.float32)  # families_ref sets float64 for its own references; the baseline is fp32


# ---------------------------------------------------------------------------------------------------------------
# tensors read from their files on demand (memory-mapped, widened to float32 when used)

def _widen(arr, dtype, chunk=1 << 22):
    """float32 copy of a stored array, converted a block of `chunk` values at a time (no whole-size temporaries)"""
    out = np.empty(arr.shape, dtype=np.float32)
    flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
    bits = flat_out.view(np.uint32)
    for i in range(0, flat_in.size, chunk):
        if dtype == 'BF16':
            bits[i:i + chunk] = flat_in[i:i + chunk].astype(np.uint32) << 16
        else:
            flat_out[i:i + chunk] = flat_in[i:i + chunk]
    return torch.from_numpy(out)


class Stored:
    """a tensor in a file, read with pread when indexed (no memory map: its pages would count as the process's RSS)"""

    def __init__(self, path, offset, dtype, shape):
        self.path, self.offset, self.dtype, self.shape = path, offset, np.dtype(dtype), tuple(shape)
        self.row = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize
        self.fd = None

    def _read(self, start, count):
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDONLY)
        buf = bytearray(count)
        view, done = memoryview(buf), 0
        while done < count:
            n = os.preadv(self.fd, [view[done:]], start + done)
            if n <= 0:
                raise IOError(f'{self.path}: short read')
            done += n
        return buf

    def rows(self, i, j):
        j = min(j, self.shape[0])
        return np.frombuffer(self._read(self.offset + i * self.row, (j - i) * self.row), dtype=self.dtype).reshape((j - i,) + self.shape[1:])

    def take(self, idx):
        idx = np.asarray(idx, dtype=np.int64)
        out = np.empty((len(idx),) + self.shape[1:], dtype=self.dtype)
        for k, i in enumerate(idx.tolist()):
            out[k] = np.frombuffer(self._read(self.offset + i * self.row, self.row), dtype=self.dtype).reshape(self.shape[1:])
        return out

    def __getitem__(self, key):
        if isinstance(key, slice):
            assert key.step is None
            return self.rows(key.start or 0, self.shape[0] if key.stop is None else key.stop)
        return self.take(key)

    def __array__(self, dtype=None, copy=None):
        a = self.rows(0, self.shape[0])
        return a if dtype is None else a.astype(dtype)


class SafetensorsFiles:
    def __init__(self, files):
        self.entries = {}
        for path in files:
            with open(path, 'rb') as f:
                n = struct.unpack('<Q', f.read(8))[0]
                header = json.loads(f.read(n))
            header.pop('__metadata__', None)
            for name, t in header.items():
                self.entries[name] = (path, 8 + n + t['data_offsets'][0], t['dtype'], tuple(t['shape']))

    def __contains__(self, name):
        return name in self.entries

    def raw(self, name):
        path, off, dtype, shape = self.entries[name]
        np_dtype = {'BF16': np.uint16, 'F16': np.float16, 'F32': np.float32}[dtype]
        return Stored(path, off, np_dtype, shape), dtype

    def get(self, name):
        arr, dtype = self.raw(name)
        return _widen(np.asarray(arr), dtype)

    def shape(self, name):
        return self.entries[name][3]


def model_files(folder):
    index = os.path.join(folder, 'model.safetensors.index.json')
    if os.path.exists(index):
        with open(index) as f:
            return sorted({os.path.join(folder, v) for v in json.load(f)['weight_map'].values()})
    return [os.path.join(folder, 'model.safetensors')]


class NpzFile:
    """an uncompressed .npz (as GemmaScope publishes params.npz), its arrays read when used"""

    def __init__(self, path):
        self.path, self.entries = path, {}
        with zipfile.ZipFile(path) as z, open(path, 'rb') as f:
            for info in z.infolist():
                if info.compress_type != zipfile.ZIP_STORED:
                    raise ValueError(f'{path}: {info.filename} is compressed')
                f.seek(info.header_offset)
                local = f.read(30)
                start = info.header_offset + 30 + struct.unpack('<H', local[26:28])[0] + struct.unpack('<H', local[28:30])[0]
                f.seek(start)
                magic = f.read(8)
                hlen = struct.unpack('<H', f.read(2))[0] if magic[6] == 1 else struct.unpack('<I', f.read(4))[0]
                header = eval(f.read(hlen).decode('latin1'))  # the .npy header is a Python dict literal
                self.entries[info.filename[:-4]] = (f.tell(), header)

    def get(self, name):
        off, h = self.entries[name]
        assert not h['fortran_order']
        return Stored(self.path, off, h['descr'], h['shape'])


def hf_cache_file(url):
    """hf://owner/name/path → the file in the local Hugging Face cache (refs/main snapshot)"""
    owner, name, rel = url[len('hf://'):].split('/', 2)
    hub = os.environ.get('HF_HUB_CACHE') or os.path.join(os.environ.get('HF_HOME', os.path.expanduser('~/.cache/huggingface')), 'hub')
    repo = os.path.join(hub, f'models--{owner}--{name}')
    with open(os.path.join(repo, 'refs', 'main')) as f:
        return os.path.join(repo, 'snapshots', f.read().strip(), rel)


class TranscoderSet:
    """per-layer transcoders in circuit-tracer's layout (layer_{l}.safetensors) or GemmaScope's (params.npz)"""

    def __init__(self, folder, n_layers):
        text = open(os.path.join(folder, 'config.yaml')).read()
        field = lambda k: (re.search(rf'^{k}:\s*"?([^"\n]+)"?\s*$', text, re.M) or [None, None])[1]
        self.input_hook, self.output_hook = field('feature_input_hook'), field('feature_output_hook')
        if field('model_kind') not in (None, 'transcoder_set'):
            raise ValueError('the baseline reads per-layer transcoder sets only')
        listed = re.findall(r'^\s*-\s*"?([^"\n]+?)"?\s*$', text.split('transcoders:', 1)[1], re.M) if 'transcoders:' in text else []
        files = [hf_cache_file(x) if x.startswith('hf://') else os.path.join(folder, x) for x in listed]
        self.layers = []
        for l in range(n_layers):
            path = files[l] if files else os.path.join(folder, f'layer_{l}.safetensors')
            if path.endswith('.npz'):
                z = NpzFile(path)
                # GemmaScope: W_enc [d, n]; JumpReLU threshold
                self.layers.append({'enc_dn': z.get('W_enc'), 'dec': (z.get('W_dec'), 'F32'), 'b_enc': z.get('b_enc'),
                                    'b_dec': z.get('b_dec'), 'threshold': z.get('threshold'), 'skip': None})
            else:
                s = SafetensorsFiles([path])
                thr = next((k for k in ('activation_function.threshold', 'threshold') if k in s), None)
                if 'k' in s or 'activation_function.k' in s:
                    raise ValueError('TopK transcoders are not in the baseline')
                self.layers.append({'enc_nd': s.raw('W_enc'), 'dec': s.raw('W_dec'), 'b_enc': s.get('b_enc'),
                                    'b_dec': s.get('b_dec'), 'threshold': s.get(thr) if thr else None,
                                    'skip': s.get('W_skip') if 'W_skip' in s else None})

    def encode(self, l, u):
        """pre-activations [P, n] and activations of one layer (its encoder read from disk now, then dropped)"""
        t = self.layers[l]
        if 'enc_nd' in t:
            arr, dtype = t['enc_nd']
            # encoder rows in blocks of 16,384 (a published width is 131,072 × 2048: 1 GiB as fp32)
            pre = torch.cat([u @ _widen(arr[i:i + 16384], dtype).T for i in range(0, arr.shape[0], 16384)], 1)
        else:
            pre = u @ torch.from_numpy(np.array(t['enc_dn'], dtype=np.float32))
        pre += torch.from_numpy(np.array(t['b_enc'], dtype=np.float32))
        thr = t['threshold']
        act = torch.relu(pre) if thr is None else pre * (pre > torch.from_numpy(np.array(thr, dtype=np.float32)))
        return act

    def encoder_rows(self, l, idx):
        t = self.layers[l]
        if 'enc_nd' in t:
            arr, dtype = t['enc_nd']
            return _widen(arr[idx], dtype)
        return torch.from_numpy(np.ascontiguousarray(np.asarray(t['enc_dn'], dtype=np.float32)[:, idx].T))

    def decoder_rows(self, l, idx):
        arr, dtype = self.layers[l]['dec']
        return _widen(arr[idx], dtype)

    def b_dec(self, l):
        return torch.from_numpy(np.array(self.layers[l]['b_dec'], dtype=np.float32))

    def skip(self, l, u):
        W = self.layers[l]['skip']
        return u * 0 if W is None else u @ W.T


# ---------------------------------------------------------------------------------------------------------------
# the families' forward with circuit-tracer's freezes; weights widened to fp32 (MLP weights when used)

def rms_scale(x, eps):
    return (x.pow(2).mean(-1, keepdim=True) + eps).sqrt()


class Model:
    def __init__(self, folder):
        with open(os.path.join(folder, 'config.json')) as f:
            self.raw = json.load(f)
        arch = self.raw['architectures'][0]
        self.gemma = arch in gemma_ref.GEMMA_ARCHS
        self.st = SafetensorsFiles(model_files(folder))
        r = self.raw
        if self.gemma:
            self.c = gemma_ref.parse_config(r)
            c = self.c
            self.L, self.d, self.H, self.Hkv, self.hd, self.eps = c['L'], c['d'], c['H'], c['Hkv'], c['hd'], c['eps']
        else:
            self.L, self.d, self.H = r['num_hidden_layers'], r['hidden_size'], r['num_attention_heads']
            self.Hkv = r.get('num_key_value_heads') or self.H
            self.hd = r.get('head_dim') or self.d // self.H
            self.eps = r.get('rms_norm_eps', 1e-6)
            self.qk_norm = arch == 'Qwen3ForCausalLM'
        self.E = self.st.get('model.embed_tokens.weight')
        self.W_U = self.st.get('lm_head.weight') if 'lm_head.weight' in self.st else self.E
        keep = ['input_layernorm.weight', 'self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'self_attn.v_proj.weight',
                'self_attn.o_proj.weight', 'post_attention_layernorm.weight', 'pre_feedforward_layernorm.weight',
                'post_feedforward_layernorm.weight', 'self_attn.q_norm.weight', 'self_attn.k_norm.weight']
        self.w = {}
        for l in range(self.L):
            for k in keep:
                name = f'model.layers.{l}.{k}'
                if name in self.st:
                    self.w[name] = self.st.get(name)
        self.w['model.norm.weight'] = self.st.get('model.norm.weight')

    def p(self, l, name):
        return self.w[f'model.layers.{l}.{name}']

    def gain(self, w):
        return 1 + w if self.gemma else w

    def token_vectors(self, ids):
        t = self.E[ids]
        return t * gemma_ref.embed_scale(self.c) if self.gemma else t

    def rope_tables(self, P, l):
        if self.gemma:
            c = self.c
            sliding = c['layer_types'][l] == 'sliding_attention'
            inv = gemma_ref.inv_freq(self.hd, c['theta_local'], None) if c['gemma3'] and sliding else gemma_ref.inv_freq(self.hd, c['theta'], c['rope_scaling'])
            inv = inv.float()
        else:
            inv = families_ref.rope_inv_freq(self.raw, self.hd).float()
        ang = torch.arange(P, dtype=torch.float32)[:, None] * inv[None, :]
        emb = torch.cat((ang, ang), -1)
        return emb.cos(), emb.sin()

    def pattern(self, l, a):
        """the attention pattern [B, H, P, P] from the normed input (no_grad: circuit-tracer detaches it)"""
        B, P, _ = a.shape
        H, Hkv, hd = self.H, self.Hkv, self.hd
        q = (a @ self.p(l, 'self_attn.q_proj.weight').T).view(B, P, H, hd)
        k = (a @ self.p(l, 'self_attn.k_proj.weight').T).view(B, P, Hkv, hd)
        if self.gemma and self.c['gemma3']:
            q = q / rms_scale(q, self.eps) * (1 + self.p(l, 'self_attn.q_norm.weight'))
            k = k / rms_scale(k, self.eps) * (1 + self.p(l, 'self_attn.k_norm.weight'))
        elif not self.gemma and self.qk_norm:
            q = q / rms_scale(q, self.eps) * self.p(l, 'self_attn.q_norm.weight')
            k = k / rms_scale(k, self.eps) * self.p(l, 'self_attn.k_norm.weight')
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        cos, sin = self.rope_tables(P, l)
        q = q * cos + families_ref.rotate_half(q) * sin
        k = k * cos + families_ref.rotate_half(k) * sin
        k = k.repeat_interleave(H // Hkv, 1)
        qi, kj = torch.arange(P)[:, None], torch.arange(P)[None, :]
        allowed = kj <= qi
        if self.gemma:
            s = (q @ k.transpose(-1, -2)) * self.c['qpas'] ** -0.5
            if self.c['attn_cap'] is not None:
                s = self.c['attn_cap'] * torch.tanh(s / self.c['attn_cap'])
            if self.c['layer_types'][l] == 'sliding_attention':
                allowed = allowed & (qi - kj < self.c['window'])
        else:
            s = (q @ k.transpose(-1, -2)) * hd ** -0.5
        return torch.softmax(s.masked_fill(~allowed, float('-inf')), -1)

    def mlp(self, l, m):
        """the MLP's output at its output hook (no_grad; weights widened from the file for this call)"""
        g = m @ self.st.get(f'model.layers.{l}.mlp.gate_proj.weight').T
        up = m @ self.st.get(f'model.layers.{l}.mlp.up_proj.weight').T
        act = gemma_ref.gelu_tanh(g) if self.gemma else g * torch.sigmoid(g)
        down = (act * up) @ self.st.get(f'model.layers.{l}.mlp.down_proj.weight').T
        if self.gemma:
            down = down / rms_scale(down, self.eps) * (1 + self.p(l, 'post_feedforward_layernorm.weight'))
        return down

    def forward(self, ids, B, tc, grad):
        """B copies of the prompt; returns (embed, [u_l], [hook_l], final norm output). With grad: the local
        replacement model (patterns and norm scales frozen, skip + (out - skip).detach() at the output hook)."""
        P, H, Hkv, hd, d = len(ids), self.H, self.Hkv, self.hd, self.d
        embed = self.token_vectors(torch.tensor(ids)).expand(B, P, d).clone()
        if grad:
            embed.requires_grad_(True)
        x = embed
        us, hooks = [], []
        for l in range(self.L):
            s1 = rms_scale(x, self.eps).detach()
            a = x / s1 * self.gain(self.p(l, 'input_layernorm.weight'))
            with torch.no_grad():
                pat = self.pattern(l, a.detach())
            v = (a @ self.p(l, 'self_attn.v_proj.weight').T).view(B, P, Hkv, hd).transpose(1, 2).repeat_interleave(H // Hkv, 1)
            o = (pat @ v).transpose(1, 2).reshape(B, P, H * hd) @ self.p(l, 'self_attn.o_proj.weight').T
            if self.gemma:
                o = o / rms_scale(o, self.eps).detach() * (1 + self.p(l, 'post_attention_layernorm.weight'))
            x = x + o
            s2 = rms_scale(x, self.eps).detach()
            normalized = x / s2
            m = normalized * self.gain(self.p(l, 'pre_feedforward_layernorm.weight' if self.gemma else 'post_attention_layernorm.weight'))
            u = {'mlp.hook_in': m, 'hook_resid_mid': x, 'ln2.hook_normalized': normalized}[tc.input_hook]
            with torch.no_grad():
                out = self.mlp(l, m.detach())
            if grad:
                skip = tc.skip(l, u)
                out = skip + (out - skip).detach()
            us.append(u)
            hooks.append(out)
            x = x + out
        fin = x / rms_scale(x, self.eps).detach() * self.gain(self.w['model.norm.weight'])
        return embed, us, hooks, fin

    def logits(self, fin_last):
        raw = fin_last @ self.W_U.T
        cap = self.c['final_cap'] if self.gemma else None
        return raw if cap is None else cap * torch.tanh(raw / cap)


# ---------------------------------------------------------------------------------------------------------------

def partial_influences(edge, probs, row_node, max_iter=128):
    """circuit-tracer's compute_partial_influences over the rows computed so far"""
    norm = edge.abs()
    norm /= norm.sum(1, keepdim=True).clamp(min=1e-8)
    infl = torch.zeros(edge.shape[1])
    prod = torch.zeros(edge.shape[1])
    prod[-len(probs):] = probs
    for _ in range(max_iter):
        prod = prod[row_node] @ norm
        if not prod.any():
            break
        infl += prod
    return infl


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    check = sys.argv[sys.argv.index('--check') + 1] if '--check' in sys.argv else None
    if check:
        args.remove(check)
    model_dir, tc_dir, ids_json, max_features, batch, threads = args[:6]
    update_interval = int(args[6]) if len(args) > 6 else 4
    torch.set_num_threads(int(threads))
    ids = json.loads(ids_json)
    B = int(batch)
    t_load = time.time()
    model = Model(model_dir)
    tc = TranscoderSet(tc_dir, model.L)
    load_s = time.time() - t_load
    L, P, d = model.L, len(ids), model.d
    times = {}
    t0, c0 = time.time(), cpu_seconds()

    # Phase 0: setup_attribution (clean forward, active features, decoder and encoder rows, errors)
    with torch.no_grad():
        _, us1, hooks1, fin1 = model.forward(ids, 1, tc, grad=False)
        feat_l, feat_p, feat_f, enc_rows, dec_rows = [], [], [], [], []
        errors = torch.zeros(L, P, d)
        for l in range(L):
            u = us1[l][0]
            act = tc.encode(l, u)
            act[0] = 0
            nz = act.nonzero()  # (position, feature), row-major: sorted by position then feature
            pos, f = nz[:, 0], nz[:, 1]
            vals = act[pos, f]
            fi = f.numpy()
            dec = tc.decoder_rows(l, fi) * vals[:, None]
            enc_rows.append(tc.encoder_rows(l, fi))
            dec_rows.append(dec)
            recon = torch.zeros(P, d).index_add_(0, pos, dec) + tc.b_dec(l) + tc.skip(l, u)
            errors[l] = hooks1[l][0] - recon
            feat_l += [l] * len(pos)
            feat_p.append(pos)
            feat_f.append(f)
            del act
        errors[:, 0] = 0
        feat_l = torch.tensor(feat_l)
        feat_p = torch.cat(feat_p)
        A = len(feat_l)
        layer_start = [0]
        for l in range(L):
            layer_start.append(layer_start[-1] + len(dec_rows[l]))
        # per layer, the contiguous column ranges of each position's features
        pos_ranges = []
        for l in range(L):
            s, e = layer_start[l], layer_start[l + 1]
            ps = feat_p[s:e]
            pos_ranges.append([(p, s + int(torch.searchsorted(ps, p)), s + int(torch.searchsorted(ps, p, right=True))) for p in ps.unique().tolist()])
        enc_all = torch.cat(enc_rows)
        del enc_rows
        tokens = model.token_vectors(torch.tensor(ids))
        probs_all = torch.softmax(model.logits(fin1[0, -1]), -1)
        top_p, top_i = torch.topk(probs_all, 10)
        cutoff = int(torch.searchsorted(torch.cumsum(top_p, 0), torch.tensor(0.95))) + 1
        tgt = top_i[:cutoff]
        probs = probs_all[tgt]
        vecs = model.W_U[tgt] - model.W_U.mean(0)
        K = len(tgt)
    times['setup'] = time.time() - t0
    C = A + (L + 1) * P
    F = min(int(max_features) or A, A)

    # Phase 1: the batched forward
    t1 = time.time()
    embed, us, hooks, fin = model.forward(ids, B, tc, grad=True)
    times['forward'] = time.time() - t1

    def rows_for(layers, positions, inject):
        n = len(layers)
        total = 0
        for l in layers.unique().tolist():
            sel = (layers == l).nonzero()[:, 0]
            src = fin if l == L else us[l]
            total = total + (src[sel, positions[sel]] * inject[sel]).sum()
        grads = torch.autograd.grad(total, hooks + [embed], retain_graph=True, allow_unused=True)
        out = torch.zeros(n, C)
        for l in range(L):
            if grads[l] is None:
                continue
            G = grads[l][:n]
            for p, s, e in pos_ranges[l]:
                out[:, s:e] = G[:, p] @ dec_rows[l][s - layer_start[l]:e - layer_start[l]].T
            out[:, A + l * P: A + (l + 1) * P] = torch.einsum('bpd,pd->bp', G, errors[l])
        if grads[L] is not None:
            out[:, A + L * P:] = torch.einsum('bpd,pd->bp', grads[L][:n], tokens)
        return out

    # Phase 3: logit rows
    t2 = time.time()
    edge = torch.zeros(F + K, C + K)
    row_node = torch.zeros(F + K, dtype=torch.long)
    for i in range(0, K, B):
        k = min(B, K - i)
        edge[i:i + k, :C] = rows_for(torch.full((k,), L), torch.full((k,), P - 1), vecs[i:i + k])
        row_node[i:i + k] = torch.arange(i, i + k) + C
    times['logits'] = time.time() - t2

    # Phase 4: feature rows in influence order
    t3 = time.time()
    visited = torch.zeros(A, dtype=torch.bool)
    st, nv, passes = K, 0, 0
    while nv < F:
        if F == A:
            pending = torch.arange(A)
        else:
            infl = partial_influences(edge[:st], probs, row_node[:st])
            rank = torch.argsort(infl[:A], descending=True)
            pending = rank[~visited[rank]][: min(update_interval * B, F - nv)]
        for i in range(0, len(pending), B):
            idx = pending[i:i + B]
            edge[st:st + len(idx), :C] = rows_for(feat_l[idx], feat_p[idx], enc_all[idx])
            row_node[st:st + len(idx)] = idx
            visited[idx] = True
            st += len(idx)
            nv += len(idx)
            passes += 1
    times['features'] = time.time() - t3
    seconds, cpu = time.time() - t0, cpu_seconds() - c0
    out = {'seconds': seconds, 'cpu_seconds': cpu, 'times': times, 'load_seconds': load_s,
           'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'active': A, 'features': F,
           'logits': K, 'batch': B, 'feature_passes': passes, 'threads': torch.get_num_threads(), 'torch': torch.__version__}

    if check:
        exp = gemma_ref.read_safetensors_any(check)
        adj = exp['adjacency'].float()
        N = adj.shape[0]
        assert N == C + K, f'adjacency {N} vs {C + K} nodes'
        scale = adj.abs().max().item()
        err = 0.0
        for r in range(st):
            node = int(row_node[r])
            err = max(err, (edge[r, :C] - adj[node, :C]).abs().max().item())
        out['check_max_rel_error'] = err / scale
        out['check_rows'] = st
        if F < A:
            out['check_selected_equal'] = torch.equal(torch.where(visited)[0], exp['selected'].long())
    print(json.dumps(out))


if __name__ == '__main__':
    main()
