// The local Hugging Face cache as `self-trace doctor` lists it: each checkpoint with whether it loads and the
// transcoder sets found for it, then the sets that fit no cached model.
import { scanHubCache, pairUp, type HubListing } from '../engine/model/catalog';

export type { HubListing };

export const hubListing = (env: NodeJS.ProcessEnv = process.env): HubListing => pairUp(scanHubCache(env));

const FIT: Record<string, string> = { named: 'made for it', published: "circuit-tracer's set for it", shape: 'same shape' };

export function describeHub(h: HubListing): string[] {
  const lines = [`Hugging Face cache ${h.cacheDir}:`];
  if (h.models.length === 0 && h.unmatched.length === 0) lines.push('  · no checkpoints or transcoder sets found there (set HF_HUB_CACHE or HF_HOME to use another cache)');
  for (const m of h.models) {
    const shape = m.nLayers ? `, ${m.nLayers} layers, d_model ${m.dModel}` : '';
    lines.push(`  ${m.problem ? '·' : '✓'} ${m.repoId} (${m.architecture ?? 'no architecture'}${shape})${m.problem ? `: ${m.problem}` : ''}`);
    for (const t of m.transcoders) lines.push(`      transcoders ${t.ref} (${FIT[t.fit]})`);
    if (!m.problem && m.transcoders.length === 0) lines.push('      no transcoder set for it in the cache');
  }
  for (const t of h.unmatched) {
    const what = t.problem ? t.problem : `${t.format}, ${t.nLayers} layers, d_model ${t.dModel}${t.modelName ? `, for ${t.modelName}` : ''}; no cached model fits`;
    lines.push(`  · transcoders ${t.ref}: ${what}`);
  }
  return lines;
}
