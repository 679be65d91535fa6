// Rewrites a feature index's `histogram` / `quantile_values` in the form circuit-tracer's frontend reads
// (src/engine/features/frontendStats.ts) from the collector histogram each record keeps, without rebuilding the
// index (a rebuild of the organism's takes ~30 min). Records written by an older build kept the collector's bins
// in `histogram` and their edges in `selfTracing.histogram_edges`; a record already refreshed is left alone.
//   npx esbuild tools/features/refresh-frontend-stats.ts --bundle --platform=node --outfile=/tmp/refresh.cjs
//   node /tmp/refresh.cjs models/organism/features
import * as fs from 'node:fs';
import * as path from 'node:path';
import { frontendStats, FRONTEND_BINS } from '../../src/engine/features/frontendStats';
import { decodeRecord, FeatureIndex, writeIndex, writeLayerFile } from '../../src/engine/features/records';
import type { FeatureRecord } from '../../src/engine/features/types';

const dir = process.argv[2];
if (!dir) throw new Error('usage: refresh-frontend-stats DIR');
const index = FeatureIndex.open(dir);
const entries = JSON.parse(require('node:zlib').gunzipSync(fs.readFileSync(path.join(dir, 'index.json.gz'))).toString('utf8')) as { filename: string; offsets: number[] }[];
const layers = [];
let changed = 0;
for (let l = 0; l < index.nLayers; l++) {
  const bytes = fs.readFileSync(path.join(dir, entries[l].filename));
  const records: FeatureRecord[] = [];
  for (let f = 0; f + 1 < entries[l].offsets.length; f++) {
    const r = decodeRecord(bytes.subarray(entries[l].offsets[f], entries[l].offsets[f + 1]), `${l}/${f}`);
    const edges = r.selfTracing?.histogram_edges;
    const already = edges && edges.length === FRONTEND_BINS + 1 && r.histogram.length === FRONTEND_BINS && edges[0] === Number(r.act_min.toPrecision(5));
    if (edges && !already && edges.length === r.histogram.length + 1) {
      const s = frontendStats(r.histogram, edges, r.act_min, r.act_max);
      r.histogram = s.histogram;
      r.quantile_values = s.quantile_values;
      r.selfTracing!.histogram_edges = s.edges;
      changed++;
    }
    records.push(r);
  }
  layers.push(writeLayerFile(dir, l, records));
}
writeIndex(dir, layers);
console.log(`${changed} records refreshed in ${dir}`);
