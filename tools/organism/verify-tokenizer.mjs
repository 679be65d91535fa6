// Checks that @huggingface/tokenizers, loading the shipped tokenizer.json, gives exactly the ids of the
// Python encoder used in training (bpe.py). Usage: node verify-tokenizer.mjs <modelDir> <ids.json>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('@huggingface/tokenizers');
const [modelDir, idsFile] = process.argv.slice(2);
const tok = new Tokenizer(
  JSON.parse(readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8')),
  JSON.parse(readFileSync(path.join(modelDir, 'tokenizer_config.json'), 'utf8')),
);
const cases = JSON.parse(readFileSync(idsFile, 'utf8'));
let bad = 0;
for (const { text, ids } of cases) {
  const got = tok.encode(text, { add_special_tokens: false }).ids;
  if (got.length !== ids.length || got.some((x, i) => x !== ids[i])) {
    if (bad++ < 5) console.error(`mismatch for ${JSON.stringify(text)}:\n  js ${got}\n  py ${ids}`);
  }
}
const eot = tok.encode('<|endoftext|>', { add_special_tokens: false }).ids;
console.log(`tokenizer check: ${cases.length - bad}/${cases.length} texts identical; <|endoftext|> -> ${eot}`);
if (bad > 0 || eot.length !== 1) process.exit(1);
