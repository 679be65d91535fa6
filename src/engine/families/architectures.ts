// The `architectures[0]` names each family loads, as plain data: the host's model catalog asks "is this checkpoint
// supported?" through here without bundling the families' ONNX graph builders. Each family's index.ts takes its
// list from this table, so there is one home for the names.
export const FAMILY_ARCHITECTURES = {
  gpt2: ['GPT2LMHeadModel'],
  llama: ['LlamaForCausalLM'],
  qwen3: ['Qwen3ForCausalLM'],
  gemma2: ['Gemma2ForCausalLM'],
  gemma3: ['Gemma3ForCausalLM', 'Gemma3ForConditionalGeneration'],
} as const satisfies Record<string, readonly string[]>;

const SUPPORTED: ReadonlySet<string> = new Set(Object.values(FAMILY_ARCHITECTURES).flat());

export function isSupportedArchitecture(name: string): boolean {
  return SUPPORTED.has(name);
}
