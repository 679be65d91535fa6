"""The organism's safetensors I/O (fp32 only, since Debian ships no `safetensors` package), through the Python side's
one reader and writer in tools/reference/gpt2_ref.py."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'reference'))
from gpt2_ref import read_safetensors, write_safetensors  # noqa: E402


def save(path, tensors, metadata=None):
    """fp32 tensors with `__metadata__` last in the header: the committed weights' layout (their hashes stay)."""
    write_safetensors(path, tensors, metadata, metadata_last=True)


def load(path):
    tensors, _ = read_safetensors(path)
    for name, a in tensors.items():
        assert a.dtype == np.float32, (name, a.dtype)
    return tensors
