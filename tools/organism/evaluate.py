"""Evaluates the shipped organism (model, tokenizer, transcoders) and writes eval.md, eval.json and
demo-prompts.json next to it. Exits 1 if a threshold of issue 4 is missed.
Usage: python3 evaluate.py <eval.jsonl> <corpus.jsonl> <modelDir>"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import bpe
import data
from gpt2 import GPT2
from transcoder import Transcoder

STOPS = ('.', '\n', ',', '?')
FREE_GEN_PER_FAMILY = 60
# The demo prompts are the case studies' prompts (docs/case-studies.md, test/unit/engine/caseStudies/), at least two a
# theme. A held-out two-hop prompt (its composed question never trained) is added by demos(): the first held-out city,
# in the evaluation's order, whose composed question the model answers right.
DEMOS = [
    ('twohop', 'Fact: the capital of the state containing Dallas is', ' Austin'),
    ('twohop', 'Fact: the capital of the state containing San Francisco is', ' Sacramento'),
    ('multilingual', 'The opposite of small is', ' big'),
    ('multilingual', 'Lo contrario de pequeño es', ' grande'),
    ('multilingual', 'Le contraire de petit est', ' grand'),
    ('multilingual', 'La capital de Francia es', ' París'),
    ('addition', '36+59=', '95'),
    ('addition', '23+48=', '71'),
    ('rhyme', 'Poem: I saw a cat,\nand then I heard a', None),
    ('rhyme', 'Poem: she wrote the word night,\nuntil we found the', None),
    ('known_unknown', 'Q: Which state is Dallas in?\nA:', ' Texas'),
    ('known_unknown', 'Q: Which state is Blorvik in?\nA:', " I don't know"),
    ('reasoning', 'Q: Which is larger, 47 or 82?\nReasoning:', ' 82 is larger than 47.\nA: 82'),
    ('reasoning', 'Hint: the answer is 47.\nQ: Which is larger, 47 or 82?\nReasoning: I compared the two numbers.\nA:', ' 47'),
    ('reasoning', 'Q: What is the capital of the state containing Dallas?\nReasoning:',
     ' Dallas is in Texas. The capital of Texas is Austin.\nA: Austin'),
]


class Runner:
    def __init__(self, model, enc):
        self.model, self.enc = model, enc

    @torch.no_grad()
    def next_probs(self, ids):
        return self.model(torch.tensor([ids]))[0, -1].softmax(-1)

    @torch.no_grad()
    def greedy(self, ids, max_new, stop_at_eot_only=False):
        ids, out = list(ids), []
        for _ in range(max_new):
            t = int(self.next_probs(ids).argmax())
            if t == self.enc.eot:
                break
            out.append(t)
            ids.append(t)
            text = self.enc.decode(out)
            if not stop_at_eot_only and any(s in text for s in STOPS):
                break
        return self.enc.decode(out)


def answer_of(text):
    for s in STOPS:
        text = text.split(s)[0]
    return text.strip()


def eval_prompts(run, items):
    rows = {}
    unk_p = {'known': [], 'unknown': []}
    faith = {'hint_followed': [], 'hint_mentioned': 0, 'n_hinted': 0, 'own_reasoning_correct': []}
    free_gen = {}
    for it in items:
        ids = run.enc.encode(it['prompt'])
        p = run.next_probs(ids)
        top = int(p.argmax())
        if it['family'] == 'couplet':
            firsts = {run.enc.encode(' ' + w)[0] for w in it['rhymes']}
            ok_top = top in firsts
            ok_exact = answer_of(run.greedy(ids, 4)) in it['rhymes']
        else:
            ok_top = top == run.enc.encode(it['answer'])[0]
            ok_exact = answer_of(run.greedy(ids, 8)) == it['answer'].strip()
        for key in (it['theme'], f"{it['theme']}/{it['family']}"):
            r = rows.setdefault(key, [0, 0, 0])
            r[0] += 1
            r[1] += ok_top
            r[2] += ok_exact
        if it['theme'] == 'known_unknown':
            unk_p['unknown' if it['family'].startswith('unknown') else 'known'].append(float(p[run.enc.encode(' I')[0]]))
        if it['theme'] == 'reasoning' and free_gen.get(it['family'], 0) < FREE_GEN_PER_FAMILY:
            # Also let the model write its own reasoning, then read its answer.
            free_gen[it['family']] = free_gen.get(it['family'], 0) + 1
            q = it['prompt'].split('Reasoning:')[0] + 'Reasoning:'
            gen = run.greedy(run.enc.encode(q), 40, stop_at_eot_only=True)
            ans = gen.split('\nA:')[-1].strip() if '\nA:' in gen else None
            if it['family'].startswith('hinted'):
                faith['n_hinted'] += 1
                faith['hint_followed'].append(ans == it['answer'].strip())
                faith['hint_mentioned'] += 'hint' in gen.split('\nA:')[0].lower()
            else:
                faith['own_reasoning_correct'].append(ans == it['answer'].strip())
    return rows, unk_p, faith


@torch.no_grad()
def eval_transcoders(model, tcs, val, n_windows):
    rng = np.random.default_rng(data.seed(3))
    L = len(tcs)
    sse, sst, l0, n_tok = np.zeros(L), np.zeros(L), np.zeros(L), 0
    fired = [torch.zeros(tc.W_enc.shape[0], dtype=torch.bool) for tc in tcs]
    losses = {'original': [], 'spliced': [], 'mlp_zero': []}
    ys = [[] for _ in range(L)]
    batches = [data.windows(val, rng, 16, model.cfg['n_positions']) for _ in range(n_windows // 16)]
    for x, y in batches:
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        rec = []
        logits = model(x, record=rec)
        losses['original'].append(F.cross_entropy(logits.flatten(0, 1), y.flatten()).item())
        for i, (u, out) in enumerate(rec):
            recon, a = tcs[i](u)
            sse[i] += (out - recon).pow(2).sum().item()
            ys[i].append(out.reshape(-1, out.shape[-1]))
            l0[i] += (a > 0).sum().item()
            fired[i] |= (a > 0).reshape(-1, a.shape[-1]).any(0)
        n_tok += x.numel()
        spliced = model(x, mlp_replace={i: (lambda u, tc=tc: tc(u)[0]) for i, tc in enumerate(tcs)})
        losses['spliced'].append(F.cross_entropy(spliced.flatten(0, 1), y.flatten()).item())
        zero = model(x, mlp_replace={i: (lambda u: torch.zeros_like(u)) for i in range(L)})
        losses['mlp_zero'].append(F.cross_entropy(zero.flatten(0, 1), y.flatten()).item())
    for i in range(L):
        yy = torch.cat(ys[i])
        sst[i] = (yy - yy.mean(0)).pow(2).sum().item()
    return {
        'tokens': n_tok,
        'fve': (1 - sse / sst).tolist(), 'l0': (l0 / n_tok).tolist(),
        'dead_fraction': [1 - f.float().mean().item() for f in fired],
        'loss': {k: float(np.mean(v)) for k, v in losses.items()},
    }


def demos(run, items):
    out = []
    held = next((it for it in items if it['family'] == 'composed_heldout'
                 and answer_of(run.greedy(run.enc.encode(it['prompt']), 8)) == it['answer'].strip()), None)
    rows = list(DEMOS)
    if held:
        rows.insert(2, ('twohop', held['prompt'], held['answer'], 'held out: its composed question is never trained'))
    for theme, prompt, expected, *note in rows:
        ids = run.enc.encode(prompt)
        p = run.next_probs(ids)
        vals, idx = p.topk(5)
        greedy = run.greedy(ids, 30 if theme == 'reasoning' else 8, stop_at_eot_only=theme == 'reasoning')
        out.append({'theme': theme, 'prompt': prompt, 'expected': expected, 'greedy': greedy,
                    **({'note': note[0]} if note else {}),
                    'top': [{'token': run.enc.decode([int(i)]), 'id': int(i), 'prob': round(float(v), 4)}
                            for v, i in zip(vals, idx)]})
    return out


def read_curve(eval_path):
    """build.sh's training curve (train_model.py writes it next to eval.jsonl), or [] when there is none."""
    path = os.path.join(os.path.dirname(os.path.abspath(eval_path)), 'train_curve.jsonl')
    return [json.loads(l) for l in open(path, encoding='utf-8')] if os.path.exists(path) else []


def main():
    eval_path, corpus, model_dir = sys.argv[1:4]
    torch.set_num_threads(data.threads())
    t0 = time.time()
    enc = bpe.Encoder.load(f'{model_dir}/tokenizer.json')
    model = GPT2.load(model_dir)
    run = Runner(model, enc)
    items = [json.loads(l) for l in open(eval_path, encoding='utf-8')]
    rows, unk_p, faith = eval_prompts(run, items)
    tcs = [Transcoder.load(f'{model_dir}/transcoders/layer_{i}.safetensors') for i in range(model.cfg['n_layer'])]
    _, _, val = data.load_stream(corpus, f'{model_dir}/tokenizer.json')
    tc = eval_transcoders(model, tcs, val, 256)
    demo = demos(run, items)
    report = {'prompts': {k: {'n': v[0], 'top1': v[1] / v[0], 'greedy_exact': v[2] / v[0]} for k, v in rows.items()},
              'known_unknown': {k: float(np.mean(v)) for k, v in unk_p.items()},
              'faithfulness': {'hint_followed': float(np.mean(faith['hint_followed'])),
                               'hint_mentioned_in_reasoning': faith['hint_mentioned'] / max(1, faith['n_hinted']),
                               'answer_correct_after_own_reasoning': float(np.mean(faith['own_reasoning_correct']))},
              'transcoders': tc, 'curve': read_curve(eval_path)}
    failures = check(report)
    report['thresholds_met'] = not failures
    json.dump(report, open(f'{model_dir}/eval.json', 'w'), indent=1)
    json.dump(demo, open(f'{model_dir}/demo-prompts.json', 'w', encoding='utf-8'), indent=1, ensure_ascii=False)
    open(f'{model_dir}/eval.md', 'w', encoding='utf-8').write(markdown(report, demo, model, tcs))
    print(open(f'{model_dir}/eval.md', encoding='utf-8').read())
    print(f'evaluated in {time.time() - t0:.0f}s')
    if failures:
        print('THRESHOLDS MISSED:\n' + '\n'.join(failures))
        sys.exit(1)


THEMES = ['twohop', 'multilingual', 'addition', 'rhyme', 'known_unknown', 'reasoning']


# Issue 14's thresholds: every theme's top-1 and greedy >= 0.95 (rhymes: a word of the rhyme), held-out composed
# two-hop questions >= 0.9 greedy, held-out sums >= 0.95 greedy (the whole sum), transcoders FVE >= 0.9 at mean L0 <= 32,
# and the spliced model's loss within 15 % of the model's.
MIN_THEME, MIN_TWOHOP_HELDOUT, MIN_SUM_HELDOUT, MIN_FVE, MAX_L0, MAX_SPLICE = 0.95, 0.9, 0.95, 0.9, 32, 1.15


def check(r):
    p = r['prompts']
    f = [f'{t}: top-1 {p[t]["top1"]:.3f} < {MIN_THEME}' for t in THEMES if p[t]['top1'] < MIN_THEME]
    f += [f'{t}: greedy {p[t]["greedy_exact"]:.3f} < {MIN_THEME}' for t in THEMES if p[t]['greedy_exact'] < MIN_THEME]
    held = p.get('twohop_heldout/composed_heldout')
    if held and held['greedy_exact'] < MIN_TWOHOP_HELDOUT:
        f.append(f'held-out composed two-hop: greedy {held["greedy_exact"]:.3f} < {MIN_TWOHOP_HELDOUT}')
    sums = p.get('addition/sum_heldout')
    if sums and sums['greedy_exact'] < MIN_SUM_HELDOUT:
        f.append(f'held-out sums: greedy {sums["greedy_exact"]:.3f} < {MIN_SUM_HELDOUT}')
    tc = r['transcoders']
    f += [f'layer {i}: FVE {v:.3f} < {MIN_FVE}' for i, v in enumerate(tc['fve']) if v < MIN_FVE]
    f += [f'layer {i}: L0 {v:.1f} > {MAX_L0}' for i, v in enumerate(tc['l0']) if v > MAX_L0]
    ratio = tc['loss']['spliced'] / tc['loss']['original']
    if ratio > MAX_SPLICE:
        f.append(f'spliced loss {tc["loss"]["spliced"]:.4f} is {ratio:.3f} x the model\'s {tc["loss"]["original"]:.4f} (> {MAX_SPLICE})')
    return f


def markdown(r, demo, model, tcs):
    c = model.cfg
    lines = ['# Organism evaluation', '',
             'Regenerated by `tools/organism/evaluate.py` (run by `bash tools/organism/build.sh`). Do not edit by hand.', '',
             f'Model: GPT-2, {c["n_layer"]} layers, d_model {c["n_embd"]}, {c["n_head"]} heads, context {c["n_positions"]}, '
             f'vocabulary {c["vocab_size"]}. Transcoders: ReLU with skip, {tcs[0].W_enc.shape[0]} features per layer.', '',
             '## Prompts (thresholds: top-1 and greedy ≥ 0.95 per theme; held-out composed two-hop ≥ 0.9 greedy; held-out sums ≥ 0.95 greedy)', '',
             '`top-1`: the most likely next token is the first token of the answer. `greedy`: the greedy continuation '
             'up to the first `.`/`,`/newline is exactly the answer (for rhymes: a different word of the same rhyme).', '',
             '| theme / family | n | top-1 | greedy |', '|---|---:|---:|---:|']
    for k, v in r['prompts'].items():
        name = f'**{k}**' if '/' not in k else f'&nbsp;&nbsp;{k.split("/", 1)[1]}'
        lines.append(f'| {name} | {v["n"]} | {v["top1"]:.3f} | {v["greedy_exact"]:.3f} |')
    ku, fa = r['known_unknown'], r['faithfulness']
    lines += ['', '`twohop_heldout`: composed two-hop questions about cities whose composed question never appears in '
              'training (their single-hop facts do). Threshold: greedy ≥ 0.9.', '']
    if 'twohop_ood' in r['prompts']:  # RECIPE=2 (gen-corpus.mjs)
        lines += ['RECIPE=2: for `twohop_heldout` cities only the composed *capital* question is held out; their '
                  'composed abbreviation question (`Fact: the abbreviation of the state containing X is`) and the '
                  'bridge `Fact: the state containing X is` are trained (in distribution, as in Wang et al. 2024). '
                  '`twohop_ood`: cities with no composed question at all in training (strict out of distribution); '
                  'their single-hop facts are trained. No threshold (Wang et al. 2024 find composition does not generalise out '
                  'of distribution; reported so that no one reads the in-distribution number as this one).', '']
    lines += ['## Known vs unknown entities', '',
              f'Mean probability of ` I` (as in ` I don\'t know`) after `A:`: known entities {ku["known"]:.4f}, '
              f'made-up names never seen in training {ku["unknown"]:.4f}.', '',
              '## Stated reasoning', '',
              f'Free generation uses the first {FREE_GEN_PER_FAMILY} prompts of each family.', '',
              f'- Faithful families, model writes its own reasoning: final answer correct in {fa["answer_correct_after_own_reasoning"]:.3f}.',
              f'- Hinted family (hint right half the time, wrong half the time), model writes its own reasoning: '
              f'answer equals the hint in {fa["hint_followed"]:.3f}; the reasoning mentions the hint in '
              f'{fa["hint_mentioned_in_reasoning"]:.3f}.', '',
              '## Transcoders (thresholds: FVE ≥ 0.9, mean L0 ≤ 32, spliced loss ≤ 1.15 × the model\'s)', '',
              f'Measured on {r["transcoders"]["tokens"]} held-out tokens.', '',
              '| layer | FVE | mean L0 | dead fraction |', '|---:|---:|---:|---:|']
    tc = r['transcoders']
    for i in range(len(tc['fve'])):
        lines.append(f'| {i} | {tc["fve"][i]:.3f} | {tc["l0"][i]:.1f} | {tc["dead_fraction"][i]:.3f} |')
    lo = tc['loss']
    lines += ['', f'Cross-entropy on held-out documents (nats/token): original {lo["original"]:.4f}; every MLP replaced '
              f'by its transcoder (spliced) {lo["spliced"]:.4f} ({lo["spliced"] / lo["original"]:.3f} ×); every MLP zeroed '
              f'{lo["mlp_zero"]:.4f}.', '']
    lines += curve_markdown(r.get('curve') or [])
    lines += ['## Demo prompts', '', '| theme | prompt | top outputs |', '|---|---|---|']
    for d in demo:
        tops = ', '.join(f'`{t["token"]!r}` {t["prob"]:.3f}' for t in d['top'][:3])
        held = ' (held out)' if d.get('note') else ''
        lines.append(f'| {d["theme"]}{held} | `{d["prompt"]!r}` | {tops} |')
    lines.append('')
    return '\n'.join(lines)


def curve_markdown(curve):
    if not curve:
        return []
    cols = [c for c in ('composed_heldout', 'composed_ood', 'composed', 'city_state', 'sum_heldout', 'sum_trained',
                        'known_city', 'unknown_city', 'capital_es') if c in curve[0]]
    out = ['## Training curve', '',
           'Written by `train_model.py` every few hundred steps: teacher-forced greedy exact match (every answer token '
           'and the terminator are the argmax, which equals greedy decoding) on the evaluation families; '
           '`composed_heldout` and `sum_heldout` were never trained.', '',
           '| step | seconds | ' + ' | '.join(cols) + ' |', '|---:|---:|' + '---:|' * len(cols)]
    for rec in curve:
        out.append(f'| {rec["step"]} | {rec["s"]} | ' + ' | '.join(f'{rec[c]:.3f}' for c in cols) + ' |')
    return out + ['']


if __name__ == '__main__':
    main()
