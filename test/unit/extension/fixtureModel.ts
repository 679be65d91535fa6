// The tiny fixture model for extension tests that trace for real (the embedded model may not be built yet).
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { buildFeatureIndex } from '../../../src/engine/features/build';
import { fake } from '../fakeVscode';

export const FIXTURE_MODEL = path.resolve('test/fixtures/gpt2-tiny');
export const FIXTURE_TRANSCODERS = path.resolve('test/fixtures/interventions/gpt2-tiny-transcoders');

/** Points `selfTracing.modelPath` / `transcoderPath` (user settings) at a model folder. */
export function useFixtureModel(modelDir = FIXTURE_MODEL, transcoderDir: string | undefined = FIXTURE_TRANSCODERS): void {
  fake.state.settings['selfTracing.modelPath'] = { globalValue: modelDir };
  fake.state.settings['selfTracing.transcoderPath'] = { globalValue: transcoderDir ?? '' };
}

/** A model folder laid out as the embedded one: the fixture's files, transcoders/ and a freshly built features/. */
export async function modelWithFeatures(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'self-tracing-model-'));
  for (const f of fs.readdirSync(FIXTURE_MODEL)) fs.copyFileSync(path.join(FIXTURE_MODEL, f), path.join(dir, f));
  fs.cpSync(FIXTURE_TRANSCODERS, path.join(dir, 'transcoders'), { recursive: true });
  const corpus = path.join(dir, 'corpus.txt');
  fs.writeFileSync(corpus, ['the cat sat on the mat', 'a dog ran far away', 'the end of the line', 'cats and dogs sat'].join('\n'));
  await buildFeatureIndex({ modelDir: dir, transcoderDir: path.join(dir, 'transcoders'), corpusFile: corpus, outDir: path.join(dir, 'features') });
  return dir;
}
