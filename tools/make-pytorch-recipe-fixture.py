"""Runs the root README's "From PyTorch" recipe on a small torchvision-style ResNet and stores what it
gives, with Captum's numbers, as the fixture of packages/cli/src/commands/readme-recipes.test.ts.

Usage:
    /tmp/venv/bin/python tools/make-pytorch-recipe-fixture.py [--captum PATH]

    --captum (default /tmp/captum-src) is a folder holding Captum's source tree, put on sys.path.
    Captum is not installed: bring it with the fetch tool (github:pytorch/captum), then
        mkdir -p /tmp/captum-src && git --git-dir=<fetched git dir> archive HEAD captum | tar -x -C /tmp/captum-src
    Needs torch (2.9+: torch.onnx.export defaults to the dynamo exporter, which needs onnxscript),
    onnx, onnxruntime, numpy; Captum imports matplotlib.

The recipe is not copied here: the script reads README.md, takes the first ```python block under
"### From PyTorch" (the export) and the ```python block that imports captum (the reference), and
runs them as they are, in the fixture folder, with `model` (below) in scope and torch seeded. So
the committed model.onnx and x.npy are exactly what a user running the README gets. The test
checks that the README still holds the same blocks (recorded in recipe.json) and runs the README's
`salience explain` line on these files.

The model is torchvision's ResNet in small (plain torch: the installed torchvision does not load
with this torch): 3x3 stem, BatchNorm, ReLU, max pool, two BasicBlocks (the second strided, with a
1x1 downsample), global average pool, a 10-way linear layer; seeded random weights, BatchNorm in
eval mode with random non-trivial statistics.

Writes packages/cli/test/fixtures/pytorch-recipe/:
    model.onnx, x.npy                what the export block wrote
    captum-saliency.npy, captum-ig.npy
                                     the Captum block's `saliency` and `ig` (float32, as a user gets them)
    recipe.json                      the two blocks' text, versions, and Captum's own float32 noise
                                     (max|f32 - f64| / max|f64|, the blocks rerun on model.double())
"""
import argparse
import json
import os
import re
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "packages", "cli", "test", "fixtures", "pytorch-recipe")


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class TinyResNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(2)
        self.layer1 = BasicBlock(8, 8, 1)
        self.layer2 = BasicBlock(8, 16, 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def make_model():
    torch.manual_seed(0)
    model = TinyResNet()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model.eval()


def readme_blocks():
    """The README's PyTorch export block and its Captum block, as written."""
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    start = text.index("### From PyTorch")
    end = text.index("\n## ", start) if "\n## " in text[start:] else len(text)
    section = text[start:end]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    export = blocks[0]
    captum = next(b for b in blocks if "captum" in b)
    return export, captum


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--captum", default="/tmp/captum-src")
    args = parser.parse_args()
    sys.path.insert(0, args.captum)
    import captum

    export, reference = readme_blocks()
    os.makedirs(OUT, exist_ok=True)
    here = os.getcwd()
    os.chdir(OUT)
    try:
        model = make_model()
        torch.manual_seed(0)
        scope = {"model": model}
        exec(export, scope)
        exec(reference, scope)
        x = scope["x"]
        saliency = scope["saliency"].detach().numpy().astype(np.float32)
        ig = scope["ig"].detach().numpy().astype(np.float32)
        # Captum's own float32 noise: the same reference block on the model and batch in float64.
        double = {"model": make_model().double(), "x": x.double()}
        exec(reference, double)
        noise = {}
        for name, f32 in (("saliency", saliency), ("ig", ig)):
            f64 = double[name].detach().numpy()
            noise[name] = float(np.max(np.abs(f32 - f64)) / np.max(np.abs(f64)))
        np.save("captum-saliency.npy", saliency)
        np.save("captum-ig.npy", ig)
        # The exported file runs in ONNX Runtime with another batch size, and gives torch's logits.
        m = onnx.load("model.onnx")
        onnx.checker.check_model(m)
        session = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
        loaded = np.load("x.npy")
        ort_logits = session.run(None, {session.get_inputs()[0].name: loaded[:3]})[0]
        torch_logits = model(torch.from_numpy(loaded[:3])).detach().numpy()
        assert np.allclose(ort_logits, torch_logits, atol=1e-5), np.abs(ort_logits - torch_logits).max()
        meta = {
            "exportBlock": export,
            "captumBlock": reference,
            "torch": torch.__version__,
            "captum": captum.__version__,
            "opset": m.opset_import[0].version,
            "producer": f"{m.producer_name} {m.producer_version}",
            "inputShape": list(loaded.shape),
            "captumFloat32Noise": noise,
            "ortVsTorchLogits": float(np.abs(ort_logits - torch_logits).max()),
        }
        with open("recipe.json", "w") as f:
            json.dump(meta, f, indent=1)
        sizes = {f: os.path.getsize(f) for f in sorted(os.listdir("."))}
        print(json.dumps({k: v for k, v in meta.items() if not k.endswith("Block")}, indent=1))
        print(sizes)
    finally:
        os.chdir(here)


if __name__ == "__main__":
    main()
