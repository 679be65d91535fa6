// GPT-2 (`GPT2LMHeadModel`), the embedded model's family: LayerNorm, learned positions, gelu_new MLP, tied head.
import { FAMILY_ARCHITECTURES } from '../architectures';
import { embeddingRows, type Family } from '../family';
import { gpt2BackwardLayerGraph, gpt2BackwardTopGraph } from './backward';
import { gpt2ForwardGraph } from './forward';
import { gpt2Config, loadGpt2Weights, type Gpt2Weights } from './weights';

export const gpt2: Family<ReturnType<typeof gpt2Config>, Gpt2Weights> = {
  architectures: FAMILY_ARCHITECTURES.gpt2,
  parseConfig: (raw, file) => gpt2Config(raw, file),
  loadWeights: loadGpt2Weights,
  normScales: ['ln1', 'ln2'],
  inputHooks: ['mlp.hook_in', 'hook_resid_mid', 'ln2.hook_normalized'],
  outputHooks: ['mlp.hook_out', 'hook_mlp_out'],
  forwardGraph: gpt2ForwardGraph,
  tokenVectors: (cfg, w, ids) => embeddingRows(w.wte.data, cfg.dModel, ids),
  backwardLayerGraph: gpt2BackwardLayerGraph,
  backwardTopGraph: gpt2BackwardTopGraph,
};
