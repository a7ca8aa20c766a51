"""The weights of the resnetlite backprop fixture (packages/modified-backprop/fixtures/resnetlite/model.onnx,
made by tools/make-backprop-fixtures.py, BatchNorm folded into the convolutions by the export) by module
name, for the tfjs rebuild of the model in packages/modified-backprop/src/captum-parity-tfjs.test.ts.

Run (from the repository root): /tmp/venv/bin/python tools/make-resnetlite-tfjs-weights.py

Writes packages/modified-backprop/fixtures/resnetlite/tfjs-weights.{json,bin}: PyTorch layouts (conv
OIHW, linear [out, in]), little-endian float32, in the manifest format of @salience/testing's
parseFixtureArrays.
"""
import json
import os

import numpy as np
import onnx
from onnx import numpy_helper

DIR = os.path.join(os.path.dirname(__file__), "..", "packages", "modified-backprop", "fixtures", "resnetlite")

model = onnx.load(os.path.join(DIR, "model.onnx"))
inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
arrays = {}
for node in model.graph.node:
    if node.op_type == "Conv":
        # Node names are /<module>/Conv; the export gives each conv its folded weight and bias.
        module = node.name.split("/")[1]
        arrays[f"{module}.weight"] = inits[node.input[1]]
        arrays[f"{module}.bias"] = inits[node.input[2]]
arrays["fc.weight"] = inits["fc.weight"]
arrays["fc.bias"] = inits["fc.bias"]

manifest = {"dtype": "float32", "byteOrder": "little", "source": "model.onnx (BatchNorm folded)", "arrays": {}}
blobs = []
offset = 0
for name, value in arrays.items():
    data = np.ascontiguousarray(value, dtype="<f4")
    manifest["arrays"][name] = {"offset": offset, "shape": list(data.shape)}
    blobs.append(data.tobytes())
    offset += data.nbytes
with open(os.path.join(DIR, "tfjs-weights.bin"), "wb") as f:
    f.write(b"".join(blobs))
with open(os.path.join(DIR, "tfjs-weights.json"), "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")
print(f"{len(arrays)} arrays, {offset} bytes")
