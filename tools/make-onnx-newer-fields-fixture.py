#!/usr/bin/env python3
"""Writes packages/onnx-autodiff/test/fixtures/newer-fields.onnx (and its external data file
newer-fields.bin): a tiny model made of what ONNX added after 1.10, the schema the old onnx-proto
package carried, for the round-trip test of the generated messages (src/proto.test.ts):
INT4 and FLOAT8E4M3FN initializers, a blocked DequantizeLinear (opset 21's block_size), an
initializer kept as external data, an Optional node whose `type` attribute is a TypeProto, and
metadata_props on the model, graph, node and tensor (IR 10). y = x @ dequant(w_int4) + dequant(b_f8) + ext.
Run from the repository root: /tmp/venv/bin/python tools/make-onnx-newer-fields-fixture.py (needs onnx)."""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(__file__), "..", "packages", "onnx-autodiff", "test", "fixtures")
os.makedirs(OUT, exist_ok=True)

# INT4 [4, 4] (two values a byte) with one float scale per block of two along axis 1.
w_int4 = helper.make_tensor("w_int4", TensorProto.INT4, [4, 4], [-8, -3, 0, 7, 1, 2, -1, -2, 5, -6, 3, 4, -7, 6, 0, 1])
w_scale = helper.make_tensor("w_scale", TensorProto.FLOAT, [4, 2], [0.5, 0.25, 0.125, 1.0, 0.75, 0.5, 0.25, 2.0])
b_f8 = helper.make_tensor("b_f8", TensorProto.FLOAT8E4M3FN, [4], [1.5, -0.25, 3.0, -448.0])
b_scale = helper.make_tensor("b_scale", TensorProto.FLOAT, [], [0.5])

# An initializer whose 16 bytes sit in newer-fields.bin (offset 0), as models over 2 GB keep their weights.
ext_values = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)
with open(os.path.join(OUT, "newer-fields.bin"), "wb") as f:
    f.write(ext_values.tobytes())
ext = TensorProto(name="ext", data_type=TensorProto.FLOAT, dims=[4])
ext.data_location = TensorProto.EXTERNAL
for key, value in (("location", "newer-fields.bin"), ("offset", "0"), ("length", "16")):
    entry = ext.external_data.add()
    entry.key, entry.value = key, value
helper.set_metadata_props(ext, {"origin": "fixture"})

nodes = [
    helper.make_node("DequantizeLinear", ["w_int4", "w_scale"], ["w"], name="dq_w", axis=1, block_size=2),
    helper.make_node("DequantizeLinear", ["b_f8", "b_scale"], ["b"], name="dq_b"),
    helper.make_node("MatMul", ["x", "w"], ["xw"], name="matmul"),
    helper.make_node("Add", ["xw", "b"], ["xwb"], name="add_b"),
    helper.make_node("Add", ["xwb", "ext"], ["y"], name="add_ext"),
    # Optional(type=...): an attribute of type TYPE_PROTO; its output is no graph output.
    helper.make_node("Optional", [], ["none"], name="empty_optional", type=helper.make_tensor_type_proto(TensorProto.FLOAT, [2])),
]
helper.set_metadata_props(nodes[2], {"layer": "dense"})
graph = helper.make_graph(
    nodes,
    "newer_fields",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
    [w_int4, w_scale, b_f8, b_scale, ext],
)
helper.set_metadata_props(graph, {"graph_note": "kept"})
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], producer_name="make-onnx-newer-fields-fixture")
model.ir_version = 10
helper.set_model_props(model, {"license": "Apache-2.0"})
# value_info for w, b, xw, ... (ONNX's inference knows blocked DequantizeLinear; ModelGraph reads what is declared).
model = onnx.shape_inference.infer_shapes(model)
path = os.path.join(OUT, "newer-fields.onnx")
onnx.save_model(model, path)
onnx.checker.check_model(path)

# What ONNX Runtime computes for one input, for the test to compare with.
x = np.array([[1.0, -2.0, 0.5, 3.0]], dtype=np.float32)
try:
    import onnxruntime as ort

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    print("y =", session.run(["y"], {"x": x})[0].tolist())
except ImportError:
    pass
print("wrote", path)
