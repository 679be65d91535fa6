// What Neuronpedia's upload checks (apps/webapp/app/api/graph/graph-schema.json at hijohnnylin/neuronpedia):
// required keys and their types, read the way that schema reads them, reported as counts. parseGraphJson says
// whether our panel can show a file; this says whether Neuronpedia would take it as it is.

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown) => Number.isInteger(v);

export interface SchemaReport {
  /** Problems Neuronpedia's schema rejects, each with a count. */
  errors: string[];
}

function counter() {
  const counts = new Map<string, { n: number; first: string }>();
  return {
    add(what: string, where: string) {
      const c = counts.get(what);
      if (c) c.n++;
      else counts.set(what, { n: 1, first: where });
    },
    list: () => [...counts.entries()].map(([what, c]) => (c.n === 1 ? `${what} (${c.first})` : `${c.n} × ${what} (first: ${c.first})`)),
  };
}

export function checkNeuronpediaSchema(data: unknown): SchemaReport {
  const problems = counter();
  if (!isRecord(data)) return { errors: ['the file is not a JSON object'] };
  for (const key of ['metadata', 'qParams', 'nodes', 'links']) if (!(key in data)) problems.add(`missing required "${key}"`, 'top level');
  const m = data.metadata;
  if (isRecord(m)) {
    for (const key of ['slug', 'scan', 'prompt']) if (typeof m[key] !== 'string') problems.add(`metadata.${key} must be a string`, 'metadata');
    if (!Array.isArray(m.prompt_tokens) || !m.prompt_tokens.every((t) => typeof t === 'string')) problems.add('metadata.prompt_tokens must be an array of strings', 'metadata');
    if (m.node_threshold !== undefined && typeof m.node_threshold !== 'number') problems.add('metadata.node_threshold must be a number', 'metadata');
    for (const key of ['info', 'generation_settings', 'pruning_settings', 'feature_details']) {
      if (m[key] !== undefined && !isRecord(m[key])) problems.add(`metadata.${key} must be an object`, 'metadata');
    }
  } else if ('metadata' in data) problems.add('metadata must be an object', 'top level');
  const q = data.qParams;
  if (isRecord(q)) {
    if (q.pinnedIds !== undefined && !(Array.isArray(q.pinnedIds) && q.pinnedIds.every((x) => typeof x === 'string'))) problems.add('qParams.pinnedIds must be an array of strings (circuit-tracer\'s comma-joined string is not)', 'qParams');
    if (q.supernodes !== undefined && !Array.isArray(q.supernodes)) problems.add('qParams.supernodes must be an array (circuit-tracer\'s JSON string is not)', 'qParams');
    for (const key of ['linkType', 'clickedId', 'sg_pos']) if (q[key] !== undefined && typeof q[key] !== 'string') problems.add(`qParams.${key} must be a string`, 'qParams');
    if (typeof q.clerps === 'string') problems.add('qParams.clerps is a JSON string (circuit-tracer\'s form); Neuronpedia reads an array of [featureId, label]', 'qParams');
  } else if ('qParams' in data) problems.add('qParams must be an object', 'top level');
  if (Array.isArray(data.nodes)) {
    data.nodes.forEach((n, i) => {
      const where = isRecord(n) && typeof n.node_id === 'string' ? n.node_id : `nodes[${i}]`;
      if (!isRecord(n)) return problems.add('a node is not an object', where);
      for (const key of ['node_id', 'feature_type', 'jsNodeId', 'clerp']) if (typeof n[key] !== 'string') problems.add(`node.${key} must be a string`, where);
      if (!(n.feature === null || isInt(n.feature))) problems.add('node.feature must be an integer or null', where);
      if (!(typeof n.layer === 'string' || isInt(n.layer))) problems.add('node.layer must be a string or integer', where);
      if (!isInt(n.ctx_idx)) problems.add('node.ctx_idx must be an integer', where);
      for (const key of ['influence', 'activation']) if (!(n[key] === undefined || n[key] === null || typeof n[key] === 'number')) problems.add(`node.${key} must be a number or null`, where);
    });
  } else if ('nodes' in data) problems.add('nodes must be an array', 'top level');
  if (Array.isArray(data.links)) {
    data.links.forEach((l, i) => {
      const where = `links[${i}]`;
      if (!isRecord(l)) return problems.add('a link is not an object', where);
      if (typeof l.source !== 'string' || typeof l.target !== 'string') problems.add('link.source and link.target must be strings', where);
      if (typeof l.weight !== 'number') problems.add('link.weight must be a number', where);
    });
  } else if ('links' in data) problems.add('links must be an array', 'top level');
  return { errors: problems.list() };
}
