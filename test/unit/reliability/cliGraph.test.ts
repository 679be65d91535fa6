// Item 7 of issue 17: the CLI must not write graphs its own reader rejects or that hold NaN. A repeated --target,
// --target X --contrast X and an empty target are refused on the command line (exit 2, nothing traced), and the
// engine refuses the same requests from any caller.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { EngineError } from '../../../src/engine/errors';
import { handlers } from '../../../src/engine/worker/handlers';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');
const TC = path.resolve('test/fixtures/interventions/gpt2-tiny-transcoders');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'st-cli-'));

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, distDir: path.resolve('dist') });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('trace: repeated --target, --contrast equal to --target, empty target or prompt are usage errors, and nothing is written', async () => {
  const file = path.join(tmp, 'g.json');
  const cases: [string[], RegExp][] = [
    [['--target', ' a', '--target', ' a'], /--target " a" is given twice/],
    [['--target', ' a', '--contrast', ' a'], /is the --target itself; A − A is zero/],
    [['--target', ''], /--target is empty/],
    [['--contrast', ''], /--contrast is empty/],
    [['--max-feature-nodes', '2.5'], /--max-feature-nodes must be a whole number from 1 .* not "2\.5"/],
    [['--node-threshold', 'NaN'], /--node-threshold must be a number from 0 to 1/],
  ];
  for (const [extra, why] of cases) {
    const r = await cli('trace', '--model', MODEL, '--transcoders', TC, '--prompt', 'hi there', '--out', file, ...extra);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.err}`);
    assert.match(r.err, why);
  }
  const empty = await cli('trace', '--model', MODEL, '--transcoders', TC, '--prompt', '', '--out', file);
  assert.equal(empty.code, 2);
  assert.match(empty.err, /--prompt is empty/);
  assert.ok(!fs.existsSync(file), 'no graph written');
});

test('the engine refuses duplicate targets and A − A from any caller', async () => {
  const ctx = { signal: new AbortController().signal, onProgress: () => {} };
  const run = (options: object) => handlers.trace({ modelDir: MODEL, transcodersDir: TC, prompt: 'hi there', options }, ctx).then(() => undefined, (e: unknown) => e);
  const dup = await run({ targetIds: [5, 5] });
  assert.ok(EngineError.is(dup, 'badInput') && /given twice/.test(dup.message), String(dup));
  // the most likely next token against itself: without a contrast it is the target, so A − A
  const top = (await handlers.run({ modelDir: MODEL, prompt: 'hi there', topK: 5 }, ctx)).top.find((t) => t.token.trim() !== '' && !/[^\x20-\x7e]/.test(t.token));
  if (top) {
    const same = await run({ targetIds: [top.id], contrast: top.token });
    assert.ok(EngineError.is(same, 'badInput') && /A − A is zero/.test(same.message), String(same));
  }
  const empty = await run({ targets: [''] });
  assert.ok(EngineError.is(empty, 'badInput') && /A target is empty/.test(empty.message), String(empty));
});
