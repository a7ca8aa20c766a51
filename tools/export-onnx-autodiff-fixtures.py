"""Writes the PyTorch-exported gradient graph that @salience/onnx-autodiff's tests use to check the
bring-your-own-gradient path (packages/onnx-autodiff/test/fixtures/softsign-vjp.onnx).

Usage: python tools/export-onnx-autodiff-fixtures.py   (needs torch, onnx and onnxscript)
The vector-Jacobian product of softsign comes from torch.func.vjp, traced to aten ops with make_fx
(neither exporter traces torch.func transforms directly), then exported by the torch.export-based
exporter at opset 17: inputs 'x' and 'dy' [2, 4], output 'dx'.
"""
import os

import torch
import torch.nn.functional as F
from torch.fx.experimental.proxy_tensor import make_fx


def softsign_vjp(x, dy):
    return torch.func.vjp(F.softsign, x)[1](dy)[0]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "packages", "onnx-autodiff", "test", "fixtures", "softsign-vjp.onnx")
    x, dy = torch.rand(2, 4), torch.rand(2, 4)
    graph = make_fx(softsign_vjp)(x, dy)
    torch.onnx.export(graph, (x, dy), out, input_names=["x", "dy"], output_names=["dx"], opset_version=17, dynamo=True, external_data=False)
    print(f"wrote {os.path.normpath(out)} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
