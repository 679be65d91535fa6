// Item 2 of issue 17: files are sacred. Writes go through a temporary file and a rename (a write killed half-way
// leaves the old file whole), outputs are checked before the work, a default name never replaces a file, a feature
// index is swapped in whole, and an unreadable optional index gives a trace without labels and a warning.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { EngineError } from '../../../src/engine/errors';
import { buildFeatureIndex } from '../../../src/engine/features/build';
import { FeatureIndex } from '../../../src/engine/features/records';
import { checkOutputPath, freeOutputName, writeFileAtomic } from '../../../src/engine/files';
import { handlers } from '../../../src/engine/worker/handlers';
import { writeRandomTranscoders } from '../engine/attribution/randomTranscoders';

// child mode: this same bundle, started by the kill test below, writes a large file and is killed during the write
if (process.env.SELF_TRACE_CHILD_WRITE) {
  writeFileAtomic(process.env.SELF_TRACE_CHILD_WRITE, Buffer.alloc(400 * 1024 * 1024, 120));
  process.exit(0);
}

const MODEL = path.resolve('test/fixtures/gpt2-tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'st-files-'));
const TRANSCODERS = path.join(tmp, 'transcoders');
writeRandomTranscoders(TRANSCODERS, { nLayers: 2, dModel: 24, nFeatures: 48, skip: true, sparsity: 0.3 });
const CORPUS = path.join(tmp, 'corpus.txt');
fs.writeFileSync(CORPUS, Array.from({ length: 12 }, (_, i) => `the cat ${i} sat on the mat ${i % 3}`).join('\n'));

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, context: { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, distDir: path.resolve('dist') } };
}

test('a write killed half-way leaves the old file whole and no temporary file named like the target', async () => {
  const file = path.join(tmp, 'precious.json');
  fs.writeFileSync(file, '{"old": true}');
  const child = spawn(process.execPath, [process.argv[1]], { env: { ...process.env, SELF_TRACE_CHILD_WRITE: file }, stdio: 'ignore' });
  // kill it as soon as its temporary file exists (it is being written)
  const deadline = Date.now() + 20_000;
  let seen = false;
  while (Date.now() < deadline && !seen) {
    seen = fs.readdirSync(tmp).some((f) => f.startsWith('.precious.json.') && f.endsWith('.tmp'));
    if (!seen) await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(seen, 'the write was under way when it was killed');
  assert.equal(fs.readFileSync(file, 'utf8'), '{"old": true}', 'the old file is whole');
  for (const f of fs.readdirSync(tmp)) if (f.endsWith('.tmp')) fs.rmSync(path.join(tmp, f));
});

test('a write that fails (a folder in the way, a missing folder) says where and why, and changes nothing', () => {
  fs.mkdirSync(path.join(tmp, 'adir'), { recursive: true });
  const cases: [string, RegExp][] = [
    [path.join(tmp, 'adir'), /it is a folder; give a file name/],
    [path.join(tmp, 'missing', 'x.json'), /the folder .*missing does not exist/],
    [path.join(tmp, 'precious.json', 'x.json'), /is not a folder/],
  ];
  for (const [target, why] of cases) {
    const err = (() => { try { writeFileAtomic(target, 'x'); return undefined; } catch (e) { return e; } })();
    assert.ok(EngineError.is(err), String(err));
    assert.match((err as Error).message, why);
    assert.ok((err as Error).message.includes(target), 'names the file');
  }
  assert.throws(() => checkOutputPath(path.join(tmp, 'adir')), /it is a folder/);
});

test('a default output name never replaces an existing file', () => {
  fs.writeFileSync(path.join(tmp, 'graph.json'), 'mine');
  fs.writeFileSync(path.join(tmp, 'graph-2.json'), 'mine too');
  assert.equal(freeOutputName(tmp, 'graph', '.json'), path.join(tmp, 'graph-3.json'));
});

test('trace: a bad --out fails before the trace starts; without --out an existing file of the default name stays', async () => {
  const c = cli();
  const t0 = performance.now();
  const code = await main(['trace', '--model', MODEL, '--transcoders', TRANSCODERS, '--prompt', 'the cat', '--out', path.join(tmp, 'nope', 'g.json')], c.context);
  assert.equal(code, 1);
  assert.match(c.err.join('\n'), /Cannot write .*nope.*does not exist/);
  assert.ok(performance.now() - t0 < 2000, 'refused at once, not after a trace');

  const cwd = process.cwd();
  const work = fs.mkdtempSync(path.join(tmp, 'cwd-'));
  fs.writeFileSync(path.join(work, 'the-cat.json'), 'not a graph, mine');
  const c2 = cli();
  process.chdir(work);
  try {
    const code2 = await main(['trace', '--model', MODEL, '--transcoders', TRANSCODERS, '--prompt', 'the cat'], { ...c2.context, distDir: path.join(cwd, 'dist') });
    assert.equal(code2, 0, c2.err.join('\n'));
  } finally {
    process.chdir(cwd);
  }
  assert.equal(fs.readFileSync(path.join(work, 'the-cat.json'), 'utf8'), 'not a graph, mine');
  assert.match(c2.out.join('\n'), /wrote .*the-cat-2\.json/);
});

test('features build: an interrupted rebuild leaves the old index whole; a folder with other files is refused', async () => {
  const out = path.join(tmp, 'features');
  await buildFeatureIndex({ modelDir: MODEL, transcoderDir: TRANSCODERS, corpusFile: CORPUS, outDir: out });
  const before = FeatureIndex.open(out).get(0, 1);
  const ac = new AbortController();
  let n = 0;
  await assert.rejects(
    buildFeatureIndex({ modelDir: MODEL, transcoderDir: TRANSCODERS, corpusFile: CORPUS, outDir: out, checkpointEvery: 2, signal: ac.signal,
      onProgress: (p) => { if (p.message.startsWith('statistics') && ++n === 4) ac.abort(); } }),
    (e: Error & { code?: string }) => e.code === 'cancelled',
  );
  assert.deepEqual(FeatureIndex.open(out).get(0, 1), before, 'the old index still reads the same');
  // the resumed build swaps the new index in whole
  await buildFeatureIndex({ modelDir: MODEL, transcoderDir: TRANSCODERS, corpusFile: CORPUS, outDir: out });
  assert.ok(!fs.existsSync(`${out}.partial`), 'the staging folder is gone');
  assert.deepEqual(fs.readdirSync(out).sort(), ['index.json.gz', 'layer_0.bin', 'layer_1.bin']);

  const mixed = path.join(tmp, 'mixed');
  fs.mkdirSync(mixed);
  fs.writeFileSync(path.join(mixed, 'notes.md'), 'mine');
  await assert.rejects(buildFeatureIndex({ modelDir: MODEL, transcoderDir: TRANSCODERS, corpusFile: CORPUS, outDir: mixed }), /holds other files \(notes\.md\)/);
  assert.equal(fs.readFileSync(path.join(mixed, 'notes.md'), 'utf8'), 'mine');
});

test('features build streams the corpus and cuts a 20 MB line before tokenizing it', async () => {
  const big = path.join(tmp, 'big.txt');
  fs.writeFileSync(big, `the cat sat\n${'ab '.repeat(7_000_000)}\nthe mat\n`);
  const out = path.join(tmp, 'features-big');
  const t0 = performance.now();
  const s = await buildFeatureIndex({ modelDir: MODEL, transcoderDir: TRANSCODERS, corpusFile: big, outDir: out });
  assert.equal(s.contexts, 3);
  assert.ok(performance.now() - t0 < 30_000, `took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
});

test('an unreadable feature index gives a trace without labels and a warning, not a failure', async () => {
  const bad = path.join(tmp, 'bad-features');
  fs.mkdirSync(bad);
  fs.writeFileSync(path.join(bad, 'index.json.gz'), 'not gzip');
  const ctx = { signal: new AbortController().signal, onProgress: () => {} };
  const r = await handlers.trace({ modelDir: MODEL, transcodersDir: TRANSCODERS, featureDir: bad, prompt: 'the cat', options: {} }, ctx);
  assert.ok(r.graph.nodes.length > 0);
  assert.equal(r.graph.selfTracing?.features, undefined);
  assert.match(r.warnings?.[0] ?? '', /feature index could not be read .*not gzipped JSON/);

  // a truncated layer file: the index opens, the records past the cut are left out with a warning
  const good = path.join(tmp, 'features');
  const cut = path.join(tmp, 'cut-features');
  fs.cpSync(good, cut, { recursive: true });
  const bin = path.join(cut, 'layer_0.bin');
  const bytes = fs.readFileSync(bin);
  for (let i = 8; i < bytes.length; i += 97) bytes[i] ^= 0xff; // damage the records, keep the size
  fs.writeFileSync(bin, bytes);
  const r2 = await handlers.trace({ modelDir: MODEL, transcodersDir: TRANSCODERS, featureDir: cut, prompt: 'the cat sat on', options: {} }, ctx);
  assert.ok(r2.graph.nodes.length > 0);
  if (r2.warnings) assert.match(r2.warnings.join('\n'), /could not be read/);
});
