// Self-Tracing: Choose Model… — the supported checkpoints in the local Hugging Face cache, each with the transcoder
// sets found there for it, plus the embedded model and Browse…; the choice is written to the user settings
// selfTracing.modelPath / selfTracing.transcoderPath (repo ids for cached repos, folders when browsed).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import { pairUp, PUBLISHED_SETS, scanHubCache, type HubListing } from '../engine/model/catalog';
import { SECTION } from './settings';

interface Pick extends vscode.QuickPickItem {
  model?: string;
  transcoders?: string;
  action?: 'embedded' | 'browse' | 'explain';
  problem?: string;
}

const FIT: Record<string, string> = { named: 'made for this model', published: "circuit-tracer's set for this model", shape: 'same shape as this model' };

export function modelPicks(hub: HubListing): Pick[] {
  const items: Pick[] = [{ label: '$(package) Embedded model', description: 'models/organism, the 6-layer GPT-2 that ships with Self-Tracing', action: 'embedded' }];
  // a separator's label is drawn at the right of the next row and squeezes that row's own label: a cache path there
  // hid "No supported checkpoint in this cache" behind it, so the path goes in that row's detail
  items.push({ label: 'Hugging Face cache', kind: vscode.QuickPickItemKind.Separator });
  const usable = hub.models.filter((m) => !m.problem);
  for (const m of usable) {
    const shape = `${m.architecture}, ${m.nLayers} layers, d_model ${m.dModel}`;
    for (const t of m.transcoders) items.push({ label: m.repoId, description: `with ${t.ref}`, detail: `${shape} · transcoders ${FIT[t.fit]}`, model: m.repoId, transcoders: t.ref });
    if (m.transcoders.length === 0) {
      const known = PUBLISHED_SETS[m.repoId];
      items.push({
        label: m.repoId,
        description: 'no transcoder set in the cache',
        detail: `${shape} · ${known ? `fetch ${known[0]} to trace it` : 'pick it, then set selfTracing.transcoderPath'}`,
        model: m.repoId,
      });
    }
  }
  for (const m of hub.models.filter((x) => x.problem)) items.push({ label: `$(warning) ${m.repoId}`, description: m.problem, action: 'explain', problem: `${m.repoId}: ${m.problem}.` });
  if (usable.length === 0) items.push({ label: 'No supported checkpoint in this cache', description: `looked in ${hub.cacheDir}`, detail: 'set HF_HUB_CACHE or HF_HOME before starting VS Code to use another cache', action: 'explain', problem: `No supported checkpoint in ${hub.cacheDir}.` });
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(folder-opened) Browse…', description: 'a checkpoint folder (config.json, tokenizer.json, *.safetensors)', action: 'browse' });
  return items;
}

async function write(model: string, transcoders: string): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  await config.update('modelPath', model, vscode.ConfigurationTarget.Global);
  await config.update('transcoderPath', transcoders, vscode.ConfigurationTarget.Global);
}

/** Runs the pick; returns what was written, or undefined when nothing changed. */
export async function chooseModel(log: vscode.LogOutputChannel, env: NodeJS.ProcessEnv = process.env): Promise<{ modelPath: string; transcoderPath: string } | undefined> {
  let hub: HubListing;
  try {
    hub = pairUp(scanHubCache(env));
  } catch (e) {
    const error = EngineError.from(e);
    log.error(`reading the Hugging Face cache: ${error.message}`);
    hub = { cacheDir: `(unreadable: ${error.message})`, models: [], unmatched: [] };
  }
  log.info(`Choose Model: ${hub.models.length} checkpoints and ${hub.models.reduce((n, m) => n + m.transcoders.length, 0) + hub.unmatched.length} transcoder sets in ${hub.cacheDir}`);
  const pick = await vscode.window.showQuickPick(modelPicks(hub), { title: 'Self-Tracing: Choose Model', matchOnDescription: true, matchOnDetail: true });
  if (!pick) return undefined;
  let chosen: { modelPath: string; transcoderPath: string } | undefined;
  if (pick.action === 'explain') {
    await vscode.window.showWarningMessage(`Self-Tracing: ${pick.problem}`);
    return undefined;
  } else if (pick.action === 'embedded') chosen = { modelPath: '', transcoderPath: '' };
  else if (pick.action === 'browse') chosen = await browse();
  else chosen = { modelPath: pick.model!, transcoderPath: pick.transcoders ?? '' };
  if (!chosen) return undefined;
  await write(chosen.modelPath, chosen.transcoderPath);
  log.info(`Choose Model: selfTracing.modelPath = "${chosen.modelPath}", selfTracing.transcoderPath = "${chosen.transcoderPath}"`);
  void vscode.window.showInformationMessage(
    `Self-Tracing: tracing with ${chosen.modelPath || 'the embedded model'}${chosen.transcoderPath ? ` and ${chosen.transcoderPath}` : ''}.`,
  );
  return chosen;
}

/** a model folder, then (when it has no transcoders/ of its own) its transcoder folder */
async function browse(): Promise<{ modelPath: string; transcoderPath: string } | undefined> {
  const model = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use This Model', title: 'Model folder (config.json, tokenizer.json, *.safetensors)' });
  const modelPath = model?.[0]?.fsPath;
  if (!modelPath) return undefined;
  if (!fs.existsSync(path.join(modelPath, 'config.json'))) {
    await vscode.window.showErrorMessage(`Self-Tracing: ${modelPath} has no config.json; choose a Hugging Face checkpoint folder.`);
    return undefined;
  }
  if (fs.existsSync(path.join(modelPath, 'transcoders'))) return { modelPath, transcoderPath: '' };
  const tc = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use These Transcoders', title: 'Transcoder folder (config.yaml …)' });
  return { modelPath, transcoderPath: tc?.[0]?.fsPath ?? '' };
}
