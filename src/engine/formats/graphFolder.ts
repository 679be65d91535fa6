// A folder circuit-tracer's local viewer serves (`circuit-tracer start-server --graph_file_dir DIR`): its server
// maps /data/ and /graph_data/ to DIR (frontend/local_server.py), the page lists `data/graph-metadata.json`
// (`{"graphs": [metadata, …]}`, upserted by slug as its utils.add_graph_metadata does) and loads
// `graph_data/{slug}.json`; with `metadata.scan` = "./data/features" it loads `./data/features/{feature}.json`
// for a node, i.e. DIR/features/{feature}.json, `feature` being the node's Cantor number.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../errors';
import type { FeatureIndex } from '../features/records';
import type { FeatureRecord } from '../features/types';
import type { GraphJson, GraphMetadata } from '../../protocol/graph-json';
import { convertGraph, LOCAL_FEATURES_SCAN } from '../../protocol/graphForms';
import { featureIndexOf, isFeatureKind, nodeKindOf } from '../../protocol/nodes';
import { writeGraphJson } from './graphJson';

/** Writes `text` to `file` through a temporary file in the same folder, so a crash never leaves half a file. */
export function writeFileAtomic(file: string, text: string | Buffer): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** A slug safe as a file name: what circuit-tracer's URLs carry, without path separators. */
export const safeSlug = (slug: string): string => slug.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 120) || 'graph';

export interface FolderResult {
  graphFile: string;
  metadataFile: string;
  featureFiles: number;
  /** Feature nodes whose record the index lacks (or no index was given). */
  missingFeatures: number;
}

/** graph-metadata.json with `metadata` in place of any entry of the same slug; refuses a file it cannot read. */
export function upsertGraphMetadata(file: string, metadata: GraphMetadata): void {
  let graphs: unknown[] = [];
  if (fs.existsSync(file)) {
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new EngineError('badFile', `${file} is not JSON (${(e as Error).message}); move it away or fix it, it was left as it is.`);
    }
    const list = (data as { graphs?: unknown }).graphs;
    if (!Array.isArray(list)) throw new EngineError('badFile', `${file} has no "graphs" array; it was left as it is.`);
    graphs = list.filter((g) => (g as { slug?: unknown })?.slug !== metadata.slug);
  }
  graphs.push(metadata);
  writeFileAtomic(file, `${JSON.stringify({ graphs }, null, 2)}\n`);
}

/**
 * Writes the graph (in circuit-tracer form) as `{slug}.json`, upserts graph-metadata.json, and writes one feature
 * file per feature of the graph from `features`. Our own graphs with a feature index get the local scan; others
 * keep theirs (their features live where their scan says, e.g. a Hugging Face repo).
 */
export function writeGraphFolder(dir: string, graph: GraphJson, features?: FeatureIndex): FolderResult {
  fs.mkdirSync(dir, { recursive: true });
  let { graph: out } = convertGraph(graph, 'circuit-tracer');
  const slug = safeSlug(out.metadata.slug);
  if (slug !== out.metadata.slug) out = { ...out, metadata: { ...out.metadata, slug } };
  const schema = out.metadata.schema_version ?? 0;
  let featureFiles = 0;
  let missingFeatures = 0;
  const written = new Set<number>();
  // our graph with its feature index: the features go beside it and the scan points there
  if (features && out.selfTracing?.model !== undefined) out = { ...out, metadata: { ...out.metadata, scan: LOCAL_FEATURES_SCAN } };
  const local = out.metadata.scan === LOCAL_FEATURES_SCAN;
  if (local) {
    const featureDir = path.join(dir, 'features');
    fs.mkdirSync(featureDir, { recursive: true });
    for (const n of out.nodes) {
      if (!isFeatureKind(nodeKindOf(n.feature_type)) || n.feature === null || written.has(n.feature)) continue;
      written.add(n.feature);
      const f = featureIndexOf(n, schema);
      let record: FeatureRecord | undefined;
      try {
        record = f && features?.has(f.layer, f.index) ? features.get(f.layer, f.index) : undefined;
      } catch {
        record = undefined;
      }
      if (!record) { missingFeatures++; continue; }
      writeFileAtomic(path.join(featureDir, `${n.feature}.json`), JSON.stringify(record));
      featureFiles++;
    }
  }
  const graphFile = path.join(dir, `${slug}.json`);
  writeFileAtomic(graphFile, writeGraphJson(out));
  const metadataFile = path.join(dir, 'graph-metadata.json');
  upsertGraphMetadata(metadataFile, out.metadata);
  return { graphFile, metadataFile, featureFiles, missingFeatures };
}
