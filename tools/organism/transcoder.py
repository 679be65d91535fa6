"""Per-layer transcoder (ReLU, linear skip) in circuit-tracer's layout:
pre = u·W_encᵀ + b_enc, a = relu(pre), recon = a·W_dec + b_dec + u·W_skipᵀ."""
import torch
import torch.nn as nn

import st_io


class Transcoder(nn.Module):
    def __init__(self, d_model, d_tc):
        super().__init__()
        self.W_enc = nn.Parameter(torch.empty(d_tc, d_model))
        self.b_enc = nn.Parameter(torch.zeros(d_tc))
        self.W_dec = nn.Parameter(torch.empty(d_tc, d_model))
        self.b_dec = nn.Parameter(torch.zeros(d_model))
        self.W_skip = nn.Parameter(torch.zeros(d_model, d_model))

    def encode(self, u):
        return torch.relu(u @ self.W_enc.T + self.b_enc)

    def decode(self, a, u):
        return a @ self.W_dec + self.b_dec + u @ self.W_skip.T

    def forward(self, u):
        a = self.encode(u)
        return self.decode(a, u), a

    def save(self, path):
        st_io.save(path, {k: v.detach().numpy() for k, v in self.state_dict().items()})

    @classmethod
    def load(cls, path):
        sd = st_io.load(path)
        tc = cls(sd['W_enc'].shape[1], sd['W_enc'].shape[0])
        tc.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
        return tc.eval()
