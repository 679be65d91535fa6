"""Trains the organism's byte-level BPE on the corpus and writes tokenizer.json and tokenizer_config.json.
Usage: python3 train_tokenizer.py <corpus.jsonl> <outDir> [vocabSize] [nDocs]"""
import json
import sys
import time

import bpe

corpus, out_dir = sys.argv[1], sys.argv[2]
vocab_size = int(sys.argv[3]) if len(sys.argv) > 3 else 2048
n_docs = int(sys.argv[4]) if len(sys.argv) > 4 else 100000
t0 = time.time()
texts = []
with open(corpus, encoding='utf-8') as f:
    for i, line in enumerate(f):
        if i >= n_docs:
            break
        texts.append(json.loads(line)['text'])
vocab, merges = bpe.train(texts, vocab_size)
eot = vocab[bpe.EOT]
cfg = bpe.tokenizer_config(128)
cfg['added_tokens_decoder'] = {str(eot): {'content': bpe.EOT, 'lstrip': False, 'normalized': True, 'rstrip': False,
                                          'single_word': False, 'special': True}}
with open(f'{out_dir}/tokenizer.json', 'w', encoding='utf-8') as f:
    json.dump(bpe.tokenizer_json(vocab, merges), f, ensure_ascii=False)
with open(f'{out_dir}/tokenizer_config.json', 'w', encoding='utf-8') as f:
    json.dump(cfg, f, ensure_ascii=False, indent=2)
print(f'tokenizer: {len(vocab)} tokens ({len(merges)} merges) from {len(texts)} documents in {time.time() - t0:.1f}s')
