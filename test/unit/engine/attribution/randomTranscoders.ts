// Random per-layer transcoders in circuit-tracer's layout, written to a folder: stand-ins until a model ships its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeSafetensors } from '../../../../src/engine/model/safetensors';

export function gaussian(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

export interface RandomTranscoderOptions {
  nLayers: number;
  dModel: number;
  nFeatures: number;
  seed?: number;
  skip?: boolean;
  /** subtracted from b_enc: larger means fewer active features */
  sparsity?: number;
  inputHook?: string;
}

export function writeRandomTranscoders(dir: string, o: RandomTranscoderOptions): void {
  fs.mkdirSync(dir, { recursive: true });
  const r = gaussian(o.seed ?? 7);
  const { dModel: d, nFeatures: n } = o;
  const mat = (count: number, scale: number) => Float32Array.from({ length: count }, () => r() * scale);
  for (let l = 0; l < o.nLayers; l++) {
    const t: Record<string, { shape: number[]; data: Float32Array }> = {
      W_enc: { shape: [n, d], data: mat(n * d, 1 / Math.sqrt(d)) },
      W_dec: { shape: [n, d], data: mat(n * d, 0.3 / Math.sqrt(d)) },
      b_enc: { shape: [n], data: Float32Array.from({ length: n }, () => r() * 0.1 - (o.sparsity ?? 1)) },
      b_dec: { shape: [d], data: mat(d, 0.05) },
    };
    if (o.skip) t.W_skip = { shape: [d, d], data: mat(d * d, 0.1 / Math.sqrt(d)) };
    writeSafetensors(path.join(dir, `layer_${l}.safetensors`), t);
  }
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `model_kind: transcoder_set\nfeature_input_hook: ${o.inputHook ?? 'mlp.hook_in'}\nfeature_output_hook: mlp.hook_out\nscan: random-fixture\n`,
  );
}
