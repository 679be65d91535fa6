"""Where a model's greedy two-digit sums go wrong: for random pairs a+b (10..99), the place (hundreds, tens, ones) of
the first output digit that differs from the true sum, or a missing end of document after a right sum.
Usage: python3 addition_errors.py <modelDir> [n=200] [seed=0]"""
import random
import sys

import torch

import bpe
import data
from gpt2 import GPT2


def main():
    model_dir = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    torch.set_num_threads(data.threads())
    model, enc = GPT2.load(model_dir), bpe.Encoder.load(f'{model_dir}/tokenizer.json')
    errors = {'hundreds': 0, 'tens': 0, 'ones': 0, 'no end after the sum': 0}
    right = 0
    for _ in range(n):
        a, b = rnd.randint(10, 99), rnd.randint(10, 99)
        s, ids, out = str(a + b), enc.encode(f'{a}+{b}='), []
        with torch.no_grad():
            for _ in range(len(s) + 1):
                out.append(int(model(torch.tensor([ids + out]))[0, -1].argmax()))
        got = [enc.decode([t]) for t in out]
        wrong = next((k for k in range(len(s)) if got[k] != s[k]), None)
        if wrong is not None:
            errors[('ones', 'tens', 'hundreds')[len(s) - 1 - wrong]] += 1
        elif out[-1] != enc.eot:
            errors['no end after the sum'] += 1
        else:
            right += 1
    print(f'{n} random pairs: whole sum right {right}; first wrong token: {errors}')


if __name__ == '__main__':
    main()
