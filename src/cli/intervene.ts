// `self-trace intervene`: set, scale or steer transcoder features on a prompt and print what the model does then,
// next to what it did clean: top next tokens, logit changes, downstream feature changes, optional continuations.
import { parseArgs } from 'node:util';
import {
  DEFAULT_INTERVENTION_MODE,
  DEFAULT_MAX_CHANGES,
  DEFAULT_TOP_K,
  describeOp,
  INTERVENTION_MODES,
  type FeatureRef,
  type Intervention,
  type InterventionMode,
  type InterventionOp,
  type Positions,
} from '../engine/interventions/spec';
import type { InterveneResult } from '../engine/worker/messages';
import { EXIT, resolveModelDir, withWorker, type CliCommand, localOrRepo, PROMPT_OPTIONS } from './command';

const USAGE = [
  'self-trace intervene --prompt TEXT --set LAYER:FEATURE[@POS]=VALUE|xK … [--steer LAYER:FEATURE[@POS]=STRENGTH …]',
  `    [--ablate LAYER:FEATURE[@POS] …] [--mode ${INTERVENTION_MODES.join('|')}] [--generate N] [--top-k ${DEFAULT_TOP_K}]`,
  `    [--max-changes ${DEFAULT_MAX_CHANGES}] [--model DIR] [--transcoders DIR] [--json]`,
  '',
  '  FEATURE may be a supernode: 1:17+1:40. POS: a token index (0 is BOS; -1 the last token), a list 3,5,',
  '  "all" (the default: every position after BOS, generated tokens included) or "gen" (generated tokens only).',
  '  =VALUE sets the activation; =xK multiplies it (x0 ablates); --steer adds STRENGTH × the decoder direction.',
  `  Modes: free (the default: the real model plus the change), frozen (attention patterns frozen),`,
  '  constrained (patterns, norm scales and MLP outputs frozen: only direct effects, as in the attribution graph).',
].join('\n');

export const intervene: CliCommand = {
  name: 'intervene',
  summary: 'ablate, amplify, set or steer features and compare the model with and without the change',
  usage: USAGE,
  async run(args, { io, distDir }) {
    const { values } = parseArgs({
      args,
      options: {
        ...PROMPT_OPTIONS,
        set: { type: 'string', multiple: true, default: [] },
        steer: { type: 'string', multiple: true, default: [] },
        ablate: { type: 'string', multiple: true, default: [] },
        mode: { type: 'string', default: DEFAULT_INTERVENTION_MODE },
        generate: { type: 'string', default: '0' },
        'top-k': { type: 'string', default: String(DEFAULT_TOP_K) },
        'max-changes': { type: 'string', default: String(DEFAULT_MAX_CHANGES) },
        transcoders: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    const usage = (problem: string) => {
      io.err(`self-trace intervene: ${problem}\nusage: ${USAGE}`);
      return EXIT.usage;
    };
    if (values.prompt === undefined) return usage('--prompt is required');
    let interventions: Intervention[];
    try {
      interventions = [
        ...values.set.map((s) => parseSpec(s, 'set')),
        ...values.steer.map((s) => parseSpec(s, 'steer')),
        ...values.ablate.map((s) => parseSpec(s, 'ablate')),
      ];
    } catch (e) {
      return usage((e as Error).message);
    }
    if (interventions.length === 0) return usage('give at least one --set, --steer or --ablate');
    if (!INTERVENTION_MODES.includes(values.mode as InterventionMode)) return usage(`--mode must be one of ${INTERVENTION_MODES.join(', ')}, not "${values.mode}"`);
    const count = (name: string, v: string, min: number) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${v}"`);
      return n;
    };
    let generate: number, topK: number, maxChanges: number;
    try {
      generate = count('--generate', values.generate, 0);
      topK = count('--top-k', values['top-k'], 1);
      maxChanges = count('--max-changes', values['max-changes'], 0);
    } catch (e) {
      return usage((e as Error).message);
    }

    const modelDir = resolveModelDir('intervene', values.model, distDir, io);
    if (!modelDir) return EXIT.failed;
    // unnamed: the model's own transcoders/, or the cached set made for it (the engine says when there is none)
    const transcodersDir = values.transcoders === undefined ? undefined : localOrRepo(values.transcoders);
    const prompt: string = values.prompt;
    return withWorker(distDir, async (client) => {
      const result = await client.request('intervene', {
        modelDir,
        transcodersDir,
        prompt,
        interventions,
        mode: values.mode as InterventionMode,
        generate,
        topK,
        maxChanges,
    });
    io.out(values.json ? JSON.stringify(result) : describe(result, interventions));
    return EXIT.ok;
    });
  },
};

/** `1:17+1:40@3,5=x2` → an intervention; throws an Error whose message says what is wrong */
export function parseSpec(spec: string, flag: 'set' | 'steer' | 'ablate'): Intervention {
  const m = /^([^@=]+)(?:@([^=]+))?(?:=(.*))?$/.exec(spec.trim());
  if (!m) throw new Error(`--${flag} ${spec}: expected LAYER:FEATURE[@POS]${flag === 'ablate' ? '' : '=…'}`);
  const [, feats, pos, amount] = m;
  const features: FeatureRef[] = feats.split('+').map((f) => {
    const fm = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(f);
    if (!fm) throw new Error(`--${flag} ${spec}: "${f}" is not LAYER:FEATURE (two whole numbers, e.g. 3:1205)`);
    return { layer: Number(fm[1]), feature: Number(fm[2]) };
  });
  let positions: Positions = 'all';
  if (pos !== undefined) {
    const p = pos.trim();
    if (p === 'all' || p === '*') positions = 'all';
    else if (p === 'gen' || p === 'generated') positions = 'generated';
    else {
      positions = p.split(',').map((x) => {
        if (!/^\s*-?\d+\s*$/.test(x)) throw new Error(`--${flag} ${spec}: position "${x}" is not a whole number, "all" or "gen"`);
        return Number(x);
      });
    }
  }
  let op: InterventionOp;
  if (flag === 'ablate') {
    if (amount !== undefined) throw new Error(`--ablate ${spec}: takes no value (it sets the activation to 0)`);
    op = { kind: 'scale', factor: 0 };
  } else {
    if (amount === undefined || amount.trim() === '') throw new Error(`--${flag} ${spec}: missing =${flag === 'set' ? 'VALUE or =xK' : 'STRENGTH'}`);
    const a = amount.trim();
    const scale = flag === 'set' && /^[x×*]/i.test(a);
    const text = scale ? a.slice(1) : a;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) {
      throw new Error(`--${flag} ${spec}: "${text}" is not a number; write ${flag === 'set' ? 'a value (=2.5) or a factor (=x3, =x0 to ablate)' : 'a strength (=4 or =-2)'}`);
    }
    op = flag === 'steer' ? { kind: 'steer', strength: n } : scale ? { kind: 'scale', factor: n } : { kind: 'set', value: n };
  }
  return { features, positions, op };
}

function describe(r: InterveneResult, interventions: Intervention[]): string {
  const pct = (p: number) => `${(100 * p).toFixed(2).padStart(6)}%`;
  const tok = (t: string) => JSON.stringify(t);
  const num = (x: number) => (x >= 0 ? ' ' : '') + x.toFixed(3);
  const lines = [`${r.tokens.length} tokens: ${r.tokens.map((t, i) => `${i}:${tok(t.text)}`).join(' ')}`, `mode: ${r.mode}`, 'interventions:'];
  interventions.forEach((iv) => {
    const where = iv.positions === undefined || iv.positions === 'all' ? 'every position after BOS' : iv.positions === 'generated' ? 'generated tokens' : `positions ${iv.positions.join(', ')}`;
    lines.push(`  ${iv.features.map((f) => `${f.layer}:${f.feature}`).join(' + ')} ${describeOp(iv.op)} at ${where}`);
  });
  for (const a of r.applied.filter((x) => x.clean !== 0 || x.value !== 0)) lines.push(`    ${a.layer}:${a.feature} @${a.pos}: ${num(a.clean)} → ${num(a.value)}`);
  const w = Math.max(...[...r.clean.top, ...r.intervened.top].map((t) => tok(t.token).length), 5);
  lines.push(`next token:  ${'clean'.padEnd(w + 9)}   intervened`);
  r.clean.top.forEach((c, i) => {
    const n = r.intervened.top[i];
    lines.push(`  ${String(i + 1).padStart(2)}. ${tok(c.token).padEnd(w)} ${pct(c.prob)}   ${tok(n.token).padEnd(w)} ${pct(n.prob)}`);
  });
  lines.push('target changes (last position):');
  for (const t of r.targets) lines.push(`  ${tok(t.token).padEnd(w)} ${pct(t.cleanProb)} → ${pct(t.prob)}   logit ${num(t.cleanLogit)} → ${num(t.logit)} (${num(t.logitDelta)})`);
  if (r.changes.length > 0) {
    lines.push('largest activation changes downstream (layer:feature @position):');
    for (const c of r.changes) lines.push(`  ${`${c.layer}:${c.feature} @${c.pos}`.padEnd(14)} ${num(c.clean)} → ${num(c.intervened)}  (${num(c.delta)})`);
  } else lines.push('no downstream feature changed.');
  if (r.clean.continuation && r.intervened.continuation) {
    lines.push('continuation:', `  clean:      ${tok(r.clean.continuation.text)}`, `  intervened: ${tok(r.intervened.continuation.text)}`);
  }
  return lines.join('\n');
}
