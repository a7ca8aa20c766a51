#!/usr/bin/env python3
"""Reference numbers for the CLI's LRP test (`salience explain --method lrp --lrp-composite
epsilon-gamma-box` on smallcnn). Copies, unchanged, what the CLI test needs from the modified-backprop
fixtures that tools/make-backprop-fixtures.py made with Zennit (a test may not read another
package's test files): the smallcnn ONNX model, its four inputs and targets, and Zennit's
EpsilonGammaBox maps (its float32 run) with the z-box bounds they were made with.

Run from the repository root: /tmp/venv/bin/python tools/make-cli-lrp-fixture.py (needs numpy).
"""

import json
import os
import shutil

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..")
SOURCE = os.path.join(ROOT, "packages", "modified-backprop", "fixtures", "smallcnn")
OUT = os.path.join(ROOT, "packages", "cli", "test", "fixtures", "lrp-zennit")


def arrays(name):
    manifest = json.load(open(os.path.join(SOURCE, f"{name}.json")))
    blob = open(os.path.join(SOURCE, f"{name}.bin"), "rb").read()
    out = {}
    for key, spec in manifest["arrays"].items():
        count = int(np.prod(spec["shape"]))
        values = np.frombuffer(blob, dtype="<f4", count=count, offset=spec["offset"]).reshape(spec["shape"])
        out[key] = (values, spec)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    captum = arrays("backprop")
    zennit = arrays("zennit")
    shutil.copyfile(os.path.join(SOURCE, "model.onnx"), os.path.join(OUT, "model.onnx"))
    np.save(os.path.join(OUT, "x.npy"), captum["input"][0].astype("<f4"))
    box, spec = zennit["epsilon_gamma_box"]
    np.save(os.path.join(OUT, "zennit-epsilon-gamma-box.npy"), box.astype("<f4"))
    reference = {
        "origin": "packages/modified-backprop/fixtures/smallcnn (backprop.{json,bin}: input, target; zennit.{json,bin}: epsilon_gamma_box), made by tools/make-backprop-fixtures.py with Zennit; copied by tools/make-cli-lrp-fixture.py",
        "method": spec["method"],
        "options": spec["options"],
        "target": [int(t) for t in captum["target"][0]],
    }
    json.dump(reference, open(os.path.join(OUT, "reference.json"), "w"), indent=2)
    open(os.path.join(OUT, "reference.json"), "a").write("\n")


if __name__ == "__main__":
    main()
