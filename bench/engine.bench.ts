// The engine as the extension and the CLI call it: a warm trace of the Dallas prompt on the embedded model through
// the host-side client (request, progress, result across the process boundary), against the same trace in-process.
// The difference is what the engine's isolation costs (issue 17: it runs in a child process so that its crash or
// abort cannot take the extension host down). Needs dist/ (npm run build).
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineWorkerClient } from '../src/engine/worker/client';
import { handlers } from '../src/engine/worker/handlers';
import { writeSection } from './results';

const PROMPT = 'Fact: the capital of the state containing Dallas is';
const modelDir = path.resolve('models/organism');
const N = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const params = { modelDir, prompt: PROMPT, options: {} };
  // in-process: the handler the engine runs, no boundary
  const ctx = { signal: new AbortController().signal, onProgress: () => {} };
  let tokens = 0;
  let nodes = 0;
  let bytes = 0;
  const inProcess: number[] = [];
  const viaClient: number[] = [];
  const client = new EngineWorkerClient({ workerPath: path.resolve('dist/worker.js') });
  try {
    await handlers.trace(params, ctx);
    await client.request('trace', params);
    // interleaved, so load from other jobs on the machine hits both alike
    for (let i = 0; i < N; i++) {
      let t0 = performance.now();
      const r = await handlers.trace(params, ctx);
      inProcess.push(performance.now() - t0);
      t0 = performance.now();
      const c = await client.request('trace', params, { onProgress: () => {} });
      viaClient.push(performance.now() - t0);
      tokens = r.tokens.length;
      nodes = r.graph.nodes.length;
      bytes = JSON.stringify(c).length;
    }
  } finally {
    client.dispose();
  }
  const line = (xs: number[]) => `**${median(xs).toFixed(0)} ms** (median of ${N}; min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  const body = [
    `The embedded model, "${PROMPT}" (${tokens} tokens, ${nodes} nodes in the pruned graph, result ${(bytes / 1024).toFixed(0)} KiB as JSON), default options, after one warm-up trace. Node ${process.version}; 1-minute load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores at the end (the machine is shared, so timings are noisy).`,
    '',
    `- in-process (the engine's handler called directly): ${line(inProcess)}`,
    `- through the client (${client.constructor.name}, dist/worker.js): ${line(viaClient)}`,
    `- the boundary's cost (median of the paired differences): **${median(viaClient.map((v, i) => v - inProcess[i])).toFixed(0)} ms**`,
  ].join('\n');
  console.log(body);
  writeSection('engine', 'Engine round trip (issue 17)', body);
}

void main();
