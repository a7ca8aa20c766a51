#!/usr/bin/env python3
"""Reference occlusion maps for the CLI's acceptance test (`salience explain --method occlusion
--window 4 --stride 4` on the Captum smallcnn fixture). The Captum fixture stores occlusion with
stride 2 only; this script recomputes Captum's Occlusion rule in plain PyTorch (a C x w x w window
of zeros slides with the given stride; each pixel gets the mean drop of the target logit over the
windows that covered it), first checks that it reproduces the stored stride-2 values, then writes
the stride-4 maps as .npy into packages/cli/test/fixtures/.

Run from the repository root: python3 tools/make-cli-occlusion-fixture.py (needs torch and numpy).
"""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ROOT = os.path.join(os.path.dirname(__file__), "..")
FIXTURE = os.path.join(ROOT, "packages", "testing", "fixtures", "captum", "smallcnn")
OUT = os.path.join(ROOT, "packages", "cli", "test", "fixtures")


def arrays(name):
    manifest = json.load(open(os.path.join(FIXTURE, f"{name}.json")))
    blob = open(os.path.join(FIXTURE, f"{name}.bin"), "rb").read()
    out = {}
    for key, spec in manifest["arrays"].items():
        count = int(np.prod(spec["shape"]))
        out[key] = np.frombuffer(blob, "<f4", count, spec["offset"]).reshape(spec["shape"])
    return out


class SmallCNN(nn.Module):
    """The fixture's architecture (make_captum_fixtures.py)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.c3 = nn.Conv2d(16, 16, 3, padding=1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.relu(self.c3(x))
        return self.fc(x.mean(dim=(2, 3)))


def starts(size, window, stride):
    """Window positions along one axis: ceil((size - window) / stride) + 1, the last one cut at the border."""
    positions = -(-(size - window) // stride) + 1
    return [i * stride for i in range(positions)]


def occlusion(model, x, target, window, stride):
    """Captum's Occlusion with sliding_window_shapes (C, w, w), strides (C, s, s), baselines 0."""
    batch, channels, height, width = x.shape
    with torch.no_grad():
        base = model(x)[torch.arange(batch), target]
        total = torch.zeros_like(x, dtype=torch.float64)
        count = torch.zeros_like(x, dtype=torch.float64)
        for top in starts(height, window, stride):
            for left in starts(width, window, stride):
                occluded = x.clone()
                occluded[:, :, top : top + window, left : left + window] = 0
                drop = (base - model(occluded)[torch.arange(batch), target]).double()
                total[:, :, top : top + window, left : left + window] += drop[:, None, None, None]
                count[:, :, top : top + window, left : left + window] += 1
    return (total / count).float().numpy()


def main():
    weights = arrays("weights")
    cases = arrays("cases")
    model = SmallCNN()
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    model.eval()
    x = torch.from_numpy(cases["input"].copy())
    target = torch.from_numpy(cases["target"].astype(np.int64))
    logits = model(x).detach().numpy()
    assert np.abs(logits - cases["logits"]).max() < 1e-4, "the rebuilt model does not match the fixture's logits"
    stride2 = occlusion(model, x, target, 4, 2)
    error = np.abs(stride2 - cases["occlusion"]).max() / np.abs(cases["occlusion"]).max()
    assert error < 1e-5, f"the occlusion rule does not reproduce Captum's stored maps (relative error {error})"
    stride4 = occlusion(model, x, target, 4, 4)
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "smallcnn-occlusion-window4-stride4.npy"), stride4.astype("<f4"))
    print(f"stride 2 reproduces Captum (relative error {error:.2e}); wrote stride-4 maps {stride4.shape}")


if __name__ == "__main__":
    main()
