"""Writes the PyTorch-made fixtures of @salience/onnx-autodiff's tests (packages/onnx-autodiff/test/fixtures/):

- softsign-vjp.onnx: a gradient graph for the bring-your-own-gradient path. The vector-Jacobian
  product of softsign comes from torch.func.vjp, traced to aten ops with make_fx (neither exporter
  traces torch.func transforms directly), then exported by the torch.export-based exporter at
  opset 17: inputs 'x' and 'dy' [2, 4], output 'dx'.
- tinybert.onnx + tinybert.json: a two-block pre-norm transformer classifier (token + position
  embeddings, masked multi-head attention, LayerNormalization, erf GELU, masked mean pooling),
  exported by the TorchScript exporter at opset 17 with a dynamic batch, and the gradient of the
  target logits w.r.t. the token-embedding output computed by PyTorch autograd.

Usage: python tools/export-onnx-autodiff-fixtures.py   (needs torch, onnx and onnxscript)
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.experimental.proxy_tensor import make_fx

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packages", "onnx-autodiff", "test", "fixtures")


def softsign_vjp(x, dy):
    return torch.func.vjp(F.softsign, x)[1](dy)[0]


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.up, self.down = nn.Linear(d, 2 * d), nn.Linear(2 * d, d)

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).chunk(3, -1)
        split = lambda z: z.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(q), split(k), split(v)
        scores = (q @ k.transpose(-2, -1)) / ((d // self.heads) ** 0.5)
        weights = scores.masked_fill(mask[:, None, None, :] == 0, -1e4).softmax(-1)
        x = x + self.out((weights @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.down(F.gelu(self.up(self.ln2(x))))


class TinyBert(nn.Module):
    def __init__(self, vocab=40, d=16, length=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(length, d) * 0.1)
        self.blocks = nn.ModuleList([Block(d, 2), Block(d, 2)])
        self.ln, self.fc = nn.LayerNorm(d), nn.Linear(d, 3)

    def forward(self, ids):
        mask = (ids != 0).float()
        x = self.emb(ids) + self.pos[: ids.shape[1]]
        for block in self.blocks:
            x = block(x, mask)
        x = self.ln(x)
        return self.fc((x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    x, dy = torch.rand(2, 4), torch.rand(2, 4)
    path = os.path.join(OUT, "softsign-vjp.onnx")
    torch.onnx.export(make_fx(softsign_vjp)(x, dy), (x, dy), path, input_names=["x", "dy"], output_names=["dx"],
                      opset_version=17, dynamo=True, external_data=False)
    print(f"wrote {os.path.normpath(path)}")

    model = TinyBert().eval()
    ids = torch.randint(1, 40, (3, 8))
    ids[2, 5:] = 0
    target = torch.tensor([0, 2, 1])
    path = os.path.join(OUT, "tinybert.onnx")
    torch.onnx.export(model, (ids,), path, input_names=["input_ids"], output_names=["logits"], opset_version=17,
                      dynamic_axes={"input_ids": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
    captured = {}

    def keep(_module, _inputs, output):
        output.retain_grad()
        captured["emb"] = output

    model.emb.register_forward_hook(keep)
    logits = model(ids)
    logits.gather(1, target[:, None]).sum().backward()
    cases = {
        "input_ids": ids.tolist(),
        "target": target.tolist(),
        "logits": logits.detach().tolist(),
        "embedding_gradient": captured["emb"].grad.tolist(),
    }
    with open(os.path.join(OUT, "tinybert.json"), "w") as f:
        json.dump(cases, f)
    print(f"wrote {os.path.normpath(path)} and tinybert.json")


if __name__ == "__main__":
    main()
