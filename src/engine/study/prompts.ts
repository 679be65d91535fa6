// A study's prompts: one JSON object a line ({"prompt": …, "id"?: …, "group"?: … (or "task" / "theme"),
// "target"?: …}); blank lines and lines starting with # are skipped. Ids default to the line number and must be
// unique and file-name safe (each prompt's graph is graphs/<id>.json). `--shard i/N` keeps every N-th prompt from
// the i-th (0-based, as Kubernetes' JOB_COMPLETION_INDEX), so N shards cover every prompt exactly once.
import { EngineError } from '../errors';

export interface StudyPrompt {
  id: string;
  prompt: string;
  group: string;
  target?: string;
  /** 0-based position in the prompts file (the report's order). */
  index: number;
}

const SAFE_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function parsePrompts(text: string, file = 'the prompts file'): StudyPrompt[] {
  const prompts: StudyPrompt[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((line, n) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw new EngineError('badFile', `${file} line ${n + 1} is not JSON (${(e as Error).message}); each line is an object such as {"prompt": "The capital of France is", "group": "en"}.`);
    }
    const o = v as Record<string, unknown>;
    if (typeof v !== 'object' || v === null || typeof o.prompt !== 'string' || o.prompt === '') {
      throw new EngineError('badFile', `${file} line ${n + 1} needs a non-empty "prompt" string.`);
    }
    const id = o.id === undefined ? `p${String(n + 1).padStart(4, '0')}` : String(o.id);
    if (!SAFE_ID.test(id)) throw new EngineError('badFile', `${file} line ${n + 1}: id ${JSON.stringify(id)} must be 1–100 letters, digits, ".", "_" or "-" (it names the graph file).`);
    if (seen.has(id)) throw new EngineError('badFile', `${file} line ${n + 1}: id ${JSON.stringify(id)} appears twice.`);
    seen.add(id);
    const group = [o.group, o.task, o.theme].find((g) => typeof g === 'string' && g !== '') as string | undefined;
    if (o.target !== undefined && (typeof o.target !== 'string' || o.target === '')) throw new EngineError('badFile', `${file} line ${n + 1}: "target" must be a non-empty string (one token).`);
    prompts.push({ id, prompt: o.prompt, group: group ?? 'all', ...(o.target !== undefined ? { target: o.target as string } : {}), index: prompts.length });
  });
  if (prompts.length === 0) throw new EngineError('badFile', `${file} has no prompts; write one JSON object a line, e.g. {"prompt": "The capital of France is"}.`);
  return prompts;
}

export interface Shard {
  index: number;
  count: number;
}

/** "i/N" with 0 ≤ i < N; undefined when malformed. */
export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index < count ? { index, count } : undefined;
}

export const shardOf = <T extends { index: number }>(prompts: readonly T[], shard: Shard | undefined): T[] =>
  shard ? prompts.filter((p) => p.index % shard.count === shard.index) : [...prompts];
