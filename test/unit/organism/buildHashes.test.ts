// build.sh's reproducibility check (`--check-only`) on the committed files: they match models/organism/SHA256SUMS;
// a changed weight file or tokenizer in a copy fails, names the file and says why a rebuild can differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const build = path.resolve('tools/organism/build.sh');
const check = (env: Record<string, string> = {}) => {
  const r = spawnSync('bash', [build, '--check-only'], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout + r.stderr };
};

/** A copy of the hashed files and the manifest, with `change` applied. */
function copy(change: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'organism-hashes-'));
  const manifest = fs.readFileSync('models/organism/SHA256SUMS', 'utf8');
  for (const file of ['SHA256SUMS', 'SHA256SUMS.env', ...manifest.trim().split('\n').map((l) => l.split(/\s+/)[1])]) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join('models/organism', file), path.join(dir, file));
  }
  change(dir);
  return dir;
}

const flipByte = (file: string) => {
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 1] ^= 1;
  fs.writeFileSync(file, bytes);
};

test('the committed organism files match their SHA-256 manifest, which covers the weights, transcoders and tokenizer', () => {
  const manifest = fs.readFileSync('models/organism/SHA256SUMS', 'utf8');
  const nLayer = JSON.parse(fs.readFileSync('models/organism/config.json', 'utf8')).n_layer as number;
  for (const f of ['model.safetensors', 'tokenizer.json', 'lexicon.json', 'transcoders/config.yaml', ...Array.from({ length: nLayer }, (_, i) => `transcoders/layer_${i}.safetensors`)]) {
    assert.match(manifest, new RegExp(`^[0-9a-f]{64}  ${f.replace('.', '\\.')}$`, 'm'), f);
  }
  const r = check();
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, new RegExp(`reproduced: all ${manifest.trim().split('\n').length} files`));
  assert.equal(manifest.trim().split('\n').length, 5 + nLayer);
});

test('a changed transcoder fails the check, named, with the float reasons (torch, BLAS, threads) and where it starts', () => {
  const dir = copy((d) => flipByte(path.join(d, 'transcoders/layer_2.safetensors')));
  const r = check({ OUT: dir });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /NOT reproduced/);
  assert.match(r.out, /transcoders\/layer_2\.safetensors: FAILED/);
  assert.doesNotMatch(r.out, /model\.safetensors: FAILED/);
  assert.match(r.out, /torch .* THREADS=2/);
  assert.match(r.out, /model\.safetensors matched, so the difference starts in train_transcoders\.py/);
  assert.doesNotMatch(r.out, /parameters differ/);
});

test('a changed tokenizer points at the corpus and data packages; other parameters are named; no manifest says so', () => {
  const dir = copy((d) => fs.appendFileSync(path.join(d, 'tokenizer.json'), ' '));
  const r = check({ OUT: dir, SEED: '7', THREADS: '1', RECIPE: '1', N_LAYER: '4' });
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /tokenizer\.json: FAILED/);
  assert.match(r.out, /npm data packages/);
  assert.match(r.out, /SEED=7 THREADS=1 .* \(committed: SEED=1234 THREADS=2/);
  assert.match(r.out, /RECIPE=1 N_LAYER=4 .* \(committed: .*RECIPE=2 N_LAYER=6 /);
  fs.rmSync(path.join(dir, 'SHA256SUMS'));
  const none = check({ OUT: dir });
  assert.equal(none.status, 1);
  assert.match(none.out, /SHA256SUMS is missing/);
});
