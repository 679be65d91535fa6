// The local Hugging Face hub cache, read-only: a repo id ("org/name[/sub/folder][@revision]") or an hf:// URI
// resolves to the snapshot folder huggingface_hub wrote (models--org--name/snapshots/<commit>, the commit named by
// refs/<revision>). Nothing is ever downloaded; a repo that is not in the cache is an error that says where we looked.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../errors';

export interface RepoRef {
  repoId: string;
  /** a folder inside the repo */
  subfolder?: string;
  revision?: string;
}

/** The hub cache folder huggingface_hub uses: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return path.resolve(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return path.resolve(env.HUGGINGFACE_HUB_CACHE);
  if (env.HF_HOME) return path.resolve(env.HF_HOME, 'hub');
  const xdg = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'huggingface', 'hub');
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** circuit-tracer's short names (hf_utils.py load_transcoder_from_hub) */
export const TRANSCODER_ALIASES: Readonly<Record<string, string>> = { gemma: 'mwhanna/gemma-scope-transcoders', llama: 'mntss/transcoder-Llama-3.2-1B' };

/** "org/name[/sub/folder][@revision]" → its parts, or undefined when the text is not shaped like a repo id. */
export function parseRepoRef(text: string): RepoRef | undefined {
  const [p, revision] = text.split('@', 2);
  const parts = p.split('/');
  if (parts.length < 2 || !parts.every((x) => NAME.test(x)) || parts.some((x) => x === '..' || x === '.')) return undefined;
  return { repoId: `${parts[0]}/${parts[1]}`, subfolder: parts.length > 2 ? parts.slice(2).join('/') : undefined, revision: revision || undefined };
}

/** "hf://org/name/path/in/repo?revision=x" → the repo and the file path (circuit-tracer's parse_hf_uri). */
export function parseHfUri(uri: string): { repoId: string; file: string; revision?: string } {
  const m = /^hf:\/\/([^/?]+)\/([^/?]+)\/([^?]+)(?:\?(.*))?$/.exec(uri);
  if (!m) throw new EngineError('badFile', `"${uri}" is not a Hugging Face URI of the form hf://org/repo/path/to/file.`);
  const revision = new URLSearchParams(m[4] ?? '').get('revision') ?? undefined;
  return { repoId: `${m[1]}/${m[2]}`, file: m[3], revision: revision || undefined };
}

export const repoFolder = (cache: string, repoId: string): string => path.join(cache, `models--${repoId.replace(/\//g, '--')}`);

/** The snapshot folder of a cached repo at a revision (a branch or tag in refs/, or a commit), or undefined. */
export function snapshotDir(cache: string, repoId: string, revision = 'main'): string | undefined {
  const repo = repoFolder(cache, repoId);
  const snapshots = path.join(repo, 'snapshots');
  if (!fs.existsSync(snapshots)) return undefined;
  const ref = path.join(repo, 'refs', revision);
  if (fs.existsSync(ref)) {
    const commit = fs.readFileSync(ref, 'utf8').trim();
    const dir = path.join(snapshots, commit);
    if (commit && fs.existsSync(dir)) return dir;
  }
  if (/^[0-9a-f]{40}$/.test(revision) && fs.existsSync(path.join(snapshots, revision))) return path.join(snapshots, revision);
  if (revision !== 'main') return undefined;
  // no refs/main (copied caches, offline mirrors): the most recently written snapshot
  const dirs = fs.readdirSync(snapshots).map((d) => path.join(snapshots, d)).filter((d) => fs.statSync(d).isDirectory());
  dirs.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return dirs[0];
}

function notCached(what: string, ref: RepoRef, cache: string, detail = ''): EngineError {
  const at = ref.revision ? ` at revision ${ref.revision}` : '';
  return new EngineError(
    'fileNotFound',
    `${what} "${ref.repoId}"${at} is not in the local Hugging Face cache (looked in ${repoFolder(cache, ref.repoId)}${detail}). ` +
      `Self-Tracing never downloads: fetch it first (huggingface-cli download ${ref.repoId}), set HF_HUB_CACHE or HF_HOME to the cache that has it, or give a folder.`,
  );
}

/**
 * A model or transcoder location as the user wrote it: an existing folder (returned absolute), else a repo id in the
 * local cache (its snapshot folder, plus the subfolder), else an error naming both readings.
 */
export function resolveLocation(text: string, what: 'Model' | 'Transcoder set', env: NodeJS.ProcessEnv = process.env): string {
  const trimmed = text.trim();
  if (fs.existsSync(trimmed)) return path.resolve(trimmed);
  const ref = parseRepoRef(what === 'Transcoder set' ? (TRANSCODER_ALIASES[trimmed] ?? trimmed) : trimmed);
  if (!ref || path.isAbsolute(trimmed) || trimmed.startsWith('.')) {
    throw new EngineError('fileNotFound', `${what} folder not found: ${path.resolve(trimmed)} (nor is "${trimmed}" a Hugging Face repo id such as org/name).`);
  }
  const cache = hubCacheDir(env);
  const snap = snapshotDir(cache, ref.repoId, ref.revision);
  if (!snap) throw notCached(what, ref, cache);
  const dir = ref.subfolder ? path.join(snap, ref.subfolder) : snap;
  if (!fs.existsSync(dir)) throw notCached(`${what} folder ${ref.subfolder} of`, ref, cache, `; the snapshot ${snap} has no ${ref.subfolder}`);
  return dir;
}

/** The local file an hf:// URI names, from the cache; an error saying which file is missing otherwise. */
export function resolveHfUri(uri: string, env: NodeJS.ProcessEnv = process.env): string {
  const { repoId, file, revision } = parseHfUri(uri);
  const cache = hubCacheDir(env);
  const snap = snapshotDir(cache, repoId, revision);
  if (!snap) throw notCached('The repo', { repoId, revision }, cache, `, for ${uri}`);
  const local = path.join(snap, file);
  if (!fs.existsSync(local)) {
    throw new EngineError(
      'fileNotFound',
      `${file} of "${repoId}" is not in the local Hugging Face cache (looked in ${snap}). ` +
        `Self-Tracing never downloads: fetch it first (huggingface-cli download ${repoId} ${file}).`,
    );
  }
  return local;
}

/** Every cached repo with a snapshot: its id, and the snapshot folder of refs/main (or the newest). */
export function cachedRepos(env: NodeJS.ProcessEnv = process.env): { repoId: string; dir: string }[] {
  const cache = hubCacheDir(env);
  if (!fs.existsSync(cache)) return [];
  const out: { repoId: string; dir: string }[] = [];
  for (const entry of fs.readdirSync(cache).sort()) {
    if (!entry.startsWith('models--')) continue;
    const [org, ...rest] = entry.slice('models--'.length).split('--');
    if (!org || rest.length === 0) continue;
    const repoId = `${org}/${rest.join('--')}`;
    const dir = snapshotDir(cache, repoId);
    if (dir) out.push({ repoId, dir });
  }
  return out;
}
