"""Writes the Python encoder's ids for the eval prompts (and some corpus documents) so that
verify-tokenizer.mjs can check that @huggingface/tokenizers gives exactly the same ids.
Usage: python3 encode_eval.py <tokenizer.json> <eval.jsonl> <corpus.jsonl> <out.json>"""
import json
import sys

import bpe

enc = bpe.Encoder.load(sys.argv[1])
texts = [json.loads(l)['prompt'] for l in open(sys.argv[2], encoding='utf-8')]
with open(sys.argv[3], encoding='utf-8') as f:
    texts += [json.loads(next(f))['text'] for _ in range(2000)]
texts += ['36+59=95', 'La capital de Francia es París.', "I don't know", '  two  spaces\n\nand_under_score!?', 'Émile ça 5²']
json.dump([{'text': t, 'ids': enc.encode(t)} for t in texts], open(sys.argv[4], 'w', encoding='utf-8'), ensure_ascii=False)
print(f'encoded {len(texts)} texts')
