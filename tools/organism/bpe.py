"""Byte-level BPE for the organism: trains merges on the corpus, writes a Hugging Face tokenizer.json, and
encodes text exactly as that tokenizer.json does (GPT-2 split rule, but each digit is its own pre-token)."""
import collections
import json
import re

EOT = '<|endoftext|>'
# The split rule as written into tokenizer.json (Oniguruma/JS syntax) and its Python `re` equivalent for the
# characters the corpus uses: \p{L} = [^\W\d_], \p{N} = \d, [^\s\p{L}\p{N}] = (?:[^\s\w]|_).
SPLIT_REGEX = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
_SPLIT_PY = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+")


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable unicode characters."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHARS = bytes_to_unicode()


def pretokenize(text):
    return [''.join(BYTE_CHARS[b] for b in piece.encode('utf-8')) for piece in _SPLIT_PY.findall(text)]


def train(texts, vocab_size):
    """Returns (vocab: token -> id, merges: list of (a, b)). Ids: 256 byte symbols, merges in order, then EOT."""
    words = collections.Counter()
    for t in texts:
        words.update(pretokenize(t))
    seqs = [list(w) for w in words]
    counts = list(words.values())
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for i, s in enumerate(seqs):
        for a, b in zip(s, s[1:]):
            pairs[(a, b)] += counts[i]
            where[(a, b)].add(i)
    vocab = {c: i for i, c in enumerate(BYTE_CHARS.values())}
    merges = []
    while len(vocab) < vocab_size - 1 and pairs:
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        (a, b), n = best
        if n < 2:
            break
        merges.append((a, b))
        vocab[a + b] = len(vocab)
        for i in list(where[(a, b)]):
            s = seqs[i]
            for x, y in zip(s, s[1:]):
                pairs[(x, y)] -= counts[i]
                if pairs[(x, y)] <= 0:
                    del pairs[(x, y)]
                where[(x, y)].discard(i)
            j, out = 0, []
            while j < len(s):
                if j + 1 < len(s) and s[j] == a and s[j + 1] == b:
                    out.append(a + b)
                    j += 2
                else:
                    out.append(s[j])
                    j += 1
            seqs[i] = out
            for x, y in zip(out, out[1:]):
                pairs[(x, y)] += counts[i]
                where[(x, y)].add(i)
        del where[(a, b)]
    vocab[EOT] = len(vocab)
    return vocab, merges


class Encoder:
    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ranks = {tuple(m): r for r, m in enumerate(merges)}
        self.eot = vocab[EOT]
        self.inv = {i: t for t, i in vocab.items()}
        self.byte_dec = {c: b for b, c in BYTE_CHARS.items()}
        self.cache = {}

    @classmethod
    def load(cls, path):
        tj = json.load(open(path, encoding='utf-8'))
        merges = [tuple(m.split(' ')) if isinstance(m, str) else tuple(m) for m in tj['model']['merges']]
        vocab = dict(tj['model']['vocab'])
        for t in tj['added_tokens']:
            vocab[t['content']] = t['id']
        return cls(vocab, merges)

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        s = list(word)
        while len(s) > 1:
            cand = [(self.ranks.get((s[i], s[i + 1]), 1 << 30), i) for i in range(len(s) - 1)]
            r, i = min(cand)
            if r == 1 << 30:
                break
            s = s[:i] + [s[i] + s[i + 1]] + s[i + 2:]
        ids = [self.vocab[t] for t in s]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        return [i for w in pretokenize(text) for i in self._bpe(w)]

    def decode(self, ids):
        data = bytearray()
        for i in ids:
            t = self.inv[i]
            if t == EOT:
                continue
            data.extend(self.byte_dec[c] for c in t)
        return data.decode('utf-8', errors='replace')


def tokenizer_json(vocab, merges):
    eot = vocab[EOT]
    return {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [{'id': eot, 'content': EOT, 'single_word': False, 'lstrip': False, 'rstrip': False,
                          'normalized': True, 'special': True}],
        'normalizer': None,
        'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
            {'type': 'Split', 'pattern': {'Regex': SPLIT_REGEX}, 'behavior': 'Isolated', 'invert': False},
            {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False}]},
        'post_processor': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': False, 'use_regex': False},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
                  'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                  'vocab': {t: i for t, i in vocab.items() if t != EOT},
                  'merges': [f'{a} {b}' for a, b in merges]},
    }


def tokenizer_config(max_len):
    return {
        'add_bos_token': False, 'add_prefix_space': False, 'bos_token': EOT, 'eos_token': EOT, 'unk_token': EOT,
        'pad_token': None, 'model_max_length': max_len, 'tokenizer_class': 'GPT2Tokenizer',
        'clean_up_tokenization_spaces': False,
        'added_tokens_decoder': {},
    }
