#!/usr/bin/env python3
"""Reference attributions of Captum's KernelShap, Lime and ShapleyValueSampling on the Captum
fixture models, with the coalitions and permutations Captum drew, for the parity tests of
@salience/shapley (which is fed the stored draws, so the comparison is exact, not statistical).

The models are rebuilt in PyTorch from packages/testing/fixtures/captum/<model>/weights.{json,bin};
inputs and targets are the Captum fixture's. Captum is used from its source, never installed:

    fetch github:pytorch/captum   (the agent tool), then
    git --git-dir=<mirror> archive HEAD captum | tar -x -C /tmp/captum-src
    CAPTUM_SRC=/tmp/captum-src /tmp/venv/bin/python tools/make-shapley-fixtures.py

(needs torch, numpy and scikit-learn: Captum's Lime fits sklearn's Lasso, KernelShap sklearn's
LinearRegression.) Writes packages/shapley/fixtures/<model>.{json,bin} in the Captum fixture format.
Per method m (kernelshap, lime, lime_linear, svs): `m` the attributions in the input's shape, `m_coalitions`
[B, n, M] (0/1, what Captum's sampler drew for each example) or `svs_permutations` [n, M];
`feature_mask` holds the group id of every element of one example (for smallcnn a 4x4 grid of 7x7
pixel cells).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.environ.get("CAPTUM_SRC", "/tmp/captum-src"))
from captum._utils.models.linear_model import SkLearnLasso, SkLearnLinearRegression  # noqa: E402
from captum.attr import KernelShap, Lime, ShapleyValueSampling  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CAPTUM = os.path.join(ROOT, "packages", "testing", "fixtures", "captum")
OUT = os.path.join(ROOT, "packages", "shapley", "fixtures")
torch.set_num_threads(2)


class SmallCNN(nn.Module):
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


class TinyText(nn.Module):
    def __init__(self, vocab=64, dim=16):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.conv = nn.Conv1d(dim, 16, 3, padding=1)
        self.fc = nn.Linear(16, 2)

    def forward(self, ids):
        e = self.emb(ids).transpose(1, 2)
        return self.fc(torch.tanh(self.conv(e)).mean(dim=2))


class TabularMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(8, 16)
        self.l2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.l2(torch.tanh(self.l1(x)))


def read_arrays(folder, stem):
    manifest = json.load(open(os.path.join(folder, stem + ".json")))
    blob = open(os.path.join(folder, stem + ".bin"), "rb").read()
    out = {}
    for name, spec in manifest["arrays"].items():
        count = int(np.prod(spec["shape"]))
        out[name] = np.frombuffer(blob, dtype="<f4", count=count, offset=spec["offset"]).reshape(spec["shape"]).copy()
    return out


class Writer:
    def __init__(self):
        self.buf, self.index = bytearray(), {}

    def add(self, name, arr, **meta):
        a = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
        self.index[name] = {"offset": len(self.buf), "shape": list(a.shape), **meta}
        self.buf += a.tobytes()

    def save(self, stem, extra):
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, stem + ".bin"), "wb") as f:
            f.write(self.buf)
        with open(os.path.join(OUT, stem + ".json"), "w") as f:
            json.dump({"dtype": "float32", "byteOrder": "little", "arrays": self.index, **extra}, f, indent=1)


def recording(explainer):
    """Wraps a Lime/KernelShap sampler so that every coalition it yields is kept."""
    drawn = []
    inner = explainer.perturb_func
    if hasattr(inner, "__call__") and getattr(inner, "__name__", "") == "kernel_shap_perturb_generator":
        def generator(inputs, **kwargs):
            for z in inner(inputs, **kwargs):
                drawn.append(z.clone())
                yield z
        explainer.perturb_func = generator
    else:
        def sample(inputs, **kwargs):
            z = inner(inputs, **kwargs)
            drawn.append(z.clone())
            return z
        explainer.perturb_func = sample
    return drawn


def record_permutations(svs):
    drawn = []
    inner = svs.permutation_generator

    def generator(num_features, num_samples):
        for perm in inner(num_features, num_samples):
            drawn.append(list(perm))
            yield perm
    svs.permutation_generator = generator
    return drawn


CASES = {
    # name: (class, captum folder, input key, mask builder, KernelSHAP/LIME samples, permutations)
    "smallcnn": (SmallCNN, "smallcnn", "input", lambda x: torch.tensor(
        [[[(y // 7) * 4 + (c // 7) for c in range(28)] for y in range(28)]]).unsqueeze(0), 48, 6),
    "tabular": (TabularMLP, "tabular", "input", lambda x: torch.arange(8).unsqueeze(0), 40, 10),
    "tinytext": (TinyText, "tinytext", "input_ids", lambda x: torch.arange(x.shape[1]).unsqueeze(0), 40, 6),
}


def main():
    for name, (cls, folder, key, mask_of, samples, perms) in CASES.items():
        torch.manual_seed(0)
        weights = read_arrays(os.path.join(CAPTUM, folder), "weights")
        cases = read_arrays(os.path.join(CAPTUM, folder), "cases")
        model = cls()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
        model.eval()
        x = torch.from_numpy(cases[key])
        if key == "input_ids":
            x = x.long()
        target = torch.from_numpy(cases["target"].astype(np.int64))
        mask = mask_of(x)
        features = int(mask.max()) + 1
        w = Writer()
        w.add(key, x.float())
        w.add("target", target)
        w.add("logits", model(x).detach())
        w.add("feature_mask", mask[0])
        with torch.no_grad():
            ks = KernelShap(model)
            drawn = recording(ks)
            a = ks.attribute(x, target=target, feature_mask=mask, baselines=0, n_samples=samples, perturbations_per_eval=16)
            w.add("kernelshap", a.float(), method=f"Captum KernelShap, n_samples={samples}, baselines=0")
            w.add("kernelshap_coalitions", torch.cat(drawn).reshape(x.shape[0], samples, features))

            # smallcnn's logits are small: the default alpha (0.01) zeroes every coefficient.
            alpha = 1e-4 if name == "smallcnn" else 0.01
            lime = Lime(model, interpretable_model=SkLearnLasso(alpha=alpha))
            drawn = recording(lime)
            a = lime.attribute(x, target=target, feature_mask=mask, baselines=0, n_samples=samples, perturbations_per_eval=16)
            w.add("lime", a.float(), alpha=alpha,
                  method=f"Captum Lime (Lasso alpha={alpha}, cosine kernel width 1), n_samples={samples}, baselines=0")
            w.add("lime_coalitions", torch.cat(drawn).reshape(x.shape[0], samples, features))

            lime = Lime(model, interpretable_model=SkLearnLinearRegression())
            drawn = recording(lime)
            a = lime.attribute(x, target=target, feature_mask=mask, baselines=0, n_samples=samples, perturbations_per_eval=16)
            w.add("lime_linear", a.float(), method=f"Captum Lime with SkLearnLinearRegression, n_samples={samples}, baselines=0")
            w.add("lime_linear_coalitions", torch.cat(drawn).reshape(x.shape[0], samples, features))

            svs = ShapleyValueSampling(model)
            drawn = record_permutations(svs)
            a = svs.attribute(x, target=target, feature_mask=mask, baselines=0, n_samples=perms, perturbations_per_eval=16)
            w.add("svs", a.float(), method=f"Captum ShapleyValueSampling, n_samples={perms}, baselines=0")
            w.add("svs_permutations", np.array(drawn))
        w.save(name, {"model": name, "features": features, "reference": "captum (pytorch/captum, from source)"})
        print(name, "written", features, "features")


if __name__ == "__main__":
    main()
