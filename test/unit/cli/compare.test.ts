import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { parseGraphComparison } from '../../../src/protocol/graphCompare';

const EN = 'test/fixtures/graphs/multilingual/en.graph.json';
const FR = 'test/fixtures/graphs/multilingual/fr.graph.json';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, distDir: path.resolve('dist') });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('compare prints the headline, the layers and the top features', async () => {
  const r = await run('compare', EN, FR, '--top', '3');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /matched by \(layer, feature id\): both graphs use transcoders "transcoders"/);
  assert.match(r.out, /shared \d+, only A \d+, only B \d+ \(Jaccard 0\.\d{3}\)/);
  assert.match(r.out, /shared features carry \d+\.\d% of A's feature influence and \d+\.\d% of B's/);
  assert.match(r.out, /^\s+3\s+\d+\s+\d+/m, 'a row for layer 3');
});

test('compare --json is the whole comparison, valid for the panel', async () => {
  const r = await run('compare', EN, FR, '--json', '--match', 'label');
  assert.equal(r.code, 0, r.err);
  const parsed = parseGraphComparison(JSON.parse(r.out));
  assert.ok(parsed.ok);
  assert.equal(parsed.ok && parsed.comparison.mode, 'label');
});

test('bad input: a missing file, a non-graph, one file, a wrong flag', async () => {
  const missing = await run('compare', EN, 'nope.json');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.json: no such file/);
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cmp-')), 'x.json');
  fs.writeFileSync(tmp, '{"nodes": []}');
  const bad = await run('compare', EN, tmp);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /not an attribution graph: missing "metadata"/);
  assert.equal((await run('compare', EN)).code, 2);
  const flag = await run('compare', EN, FR, '--match', 'name');
  assert.equal(flag.code, 2);
  assert.match(flag.err, /--match must be "id" or "label"/);
});
