// `self-trace doctor`: proves the engine runs on this machine — onnxruntime-node loads and computes a graph
// in-process and inside the engine worker — and says where the embedded model is expected.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { EngineError } from '../engine/errors';
import { runSelfCheck, type SelfCheckResult } from '../engine/selfCheck';
import { EngineWorkerClient } from '../engine/worker/client';
import type { PingResult } from '../engine/worker/messages';
import { EXIT, embeddedModelDir, type CliCommand } from './command';
import { describeHub, hubListing, type HubListing } from './hubListing';

interface DoctorReport {
  readonly ok: boolean;
  readonly inProcess: SelfCheckResult | { error: string };
  readonly worker: PingResult | { error: string };
  readonly embeddedModel: { path: string; present: boolean };
  /** the checkpoints and transcoder sets in the local Hugging Face cache */
  readonly huggingFaceCache: HubListing | { error: string };
}

async function pingWorker(workerPath: string): Promise<PingResult> {
  const client = new EngineWorkerClient({ workerPath });
  try {
    return await client.request('ping', { selfCheck: true }, { signal: AbortSignal.timeout(30_000) });
  } finally {
    client.dispose();
  }
}

function failure(err: unknown): { error: string } {
  const { message, detail } = EngineError.from(err);
  return { error: detail ? `${message} (${detail.split('\n')[0]})` : message };
}

export const doctor: CliCommand = {
  name: 'doctor',
  summary: 'check that the engine runs here: onnxruntime-node, the engine worker, the embedded model, the models and transcoders in the Hugging Face cache',
  usage: 'self-trace doctor [--json]',
  async run(args, { io, distDir }) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
    const inProcess = await runSelfCheck().catch(failure);
    const worker = await pingWorker(path.join(distDir, 'worker.js')).catch(failure);
    const modelDir = embeddedModelDir(distDir);
    const report: DoctorReport = {
      ok: 'ok' in inProcess && inProcess.ok && 'selfCheck' in worker && worker.selfCheck?.ok === true,
      inProcess,
      worker,
      embeddedModel: { path: modelDir, present: fs.existsSync(path.join(modelDir, 'config.json')) },
      huggingFaceCache: (() => {
        try {
          return hubListing();
        } catch (e) {
          return failure(e);
        }
      })(),
    };
    io.out(values.json ? JSON.stringify(report, null, 2) : describe(report));
    return report.ok ? EXIT.ok : EXIT.failed;
  },
};

function describe(report: DoctorReport): string {
  const lines: string[] = [];
  const { inProcess, worker } = report;
  if ('error' in inProcess) lines.push(`✗ onnxruntime-node in-process: ${inProcess.error}`);
  else {
    lines.push(`${inProcess.ok ? '✓' : '✗'} onnxruntime-node ${inProcess.onnxRuntimeVersion} on node ${inProcess.nodeVersion} ${inProcess.platform}`);
    lines.push(`  self-check MatMul [2,3]·[3,2] = [${inProcess.output.join(', ')}] (expected [${inProcess.expected.join(', ')}]) in ${inProcess.elapsedMs.toFixed(1)} ms`);
  }
  if ('error' in worker) lines.push(`✗ engine worker: ${worker.error}`);
  else lines.push(`${worker.selfCheck?.ok ? '✓' : '✗'} engine process ${worker.pid ?? `(thread ${worker.threadId})`} answered ping; its self-check took ${worker.selfCheck?.elapsedMs.toFixed(1)} ms`);
  const model = report.embeddedModel;
  lines.push(`${model.present ? '✓' : '·'} embedded model ${model.present ? 'found at' : 'not built yet; expected at'} ${model.path}`);
  const hub = report.huggingFaceCache;
  lines.push(...('error' in hub ? [`· Hugging Face cache: ${hub.error}`] : describeHub(hub)));
  lines.push(report.ok ? 'The engine runs on this machine.' : 'The engine does not run on this machine; see the lines marked ✗.');
  return lines.join('\n');
}
