"""Token windows for training and validation: the corpus as one stream of <|endoftext|>-separated documents;
each window starts at a document, with or without the leading <|endoftext|>, so the model works either way."""
import json
import os

import numpy as np

import bpe


DEFAULT_SEED = 1234


def seed(k):
    """Seed `k` of a step, shifted by build.sh's SEED: the default SEED (1234) gives exactly the seeds the committed
    weights were built with, any other SEED another reproducible build."""
    return (int(os.environ.get('SEED', DEFAULT_SEED)) - DEFAULT_SEED + k) % 2 ** 32


def threads():
    """build.sh's THREADS: torch's intra-op threads (float sums split differently with another count)."""
    return int(os.environ.get('THREADS', '2'))


def load_stream(corpus_path, tokenizer_path, val_fraction=0.05):
    enc = bpe.Encoder.load(tokenizer_path)
    docs = [enc.encode(json.loads(l)['text']) for l in open(corpus_path, encoding='utf-8')]
    n_val = int(len(docs) * val_fraction)
    return enc, _stream(docs[:-n_val], enc.eot), _stream(docs[-n_val:], enc.eot)


def _stream(docs, eot):
    lengths = np.array([len(d) + 1 for d in docs])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat = np.full(int(lengths.sum()) + 1024, eot, dtype=np.int64)
    for s, d in zip(starts, docs):
        flat[s + 1:s + 1 + len(d)] = d
    return flat, starts


def windows(stream, rng, batch, length):
    flat, starts = stream
    s = starts[rng.integers(0, len(starts), batch)] + rng.integers(0, 2, batch)
    idx = s[:, None] + np.arange(length + 1)[None, :]
    w = flat[idx]
    return w[:, :-1], w[:, 1:]
