#!/usr/bin/env python3
"""Reference maps of pytorch-grad-cam's CAM family on the Captum fixture models (smallcnn at c3,
colorcnn at b2), for the parity tests of @salience/grad-cam's HiResCAM, XGradCAM, LayerCAM,
Grad-CAM++, ScoreCAM and EigenCAM.

The models are rebuilt in PyTorch from packages/testing/fixtures/captum/<model>/weights.{json,bin}
(the same weights as the model.onnx that the tests load); inputs and targets are the Captum
fixture's. pytorch-grad-cam is used from its source, never installed:

    fetch github:jacobgil/pytorch-grad-cam   (the agent tool), then
    git --git-dir=<mirror> archive HEAD pytorch_grad_cam | tar -x -C /tmp/pgc-src
    PGC_SRC=/tmp/pgc-src /tmp/venv/bin/python tools/make-cam-fixtures.py

(needs torch, numpy, scipy, opencv-python-headless, scikit-learn, matplotlib, tqdm; pytorch-grad-cam
imports `ttach` for test-time augmentation, which is not used here and is replaced by an empty module
when it is not installed, as is torchvision.transforms where the installed torchvision does
not load: only its preprocessing helpers use them.)

`vit`, `deit` and `swin` are tiny vision transformers built from transformers' configs with seeded
random weights (exported to <name>.onnx, dynamic batch), at the last block's `layernorm_before`
with pytorch-grad-cam's `reshape_transform` (prefix tokens dropped: 1, 2 and 0; a 4x4 grid); `vit`
also has attention rollout (`rollout_mean`,
`rollout_max`) computed from transformers' attention probabilities by the paper's formula.
`softsign` is smallcnn with Softsign after c3 (no gradient rule in onnx-autodiff), exported to
softsign.onnx, with the forward-only CAMs only.

AblationCAM runs with `batch_size=1`: pytorch-grad-cam's AblationLayer sets an ablated channel to
`min(batch) - 1e7` where the layer's values are not all >= 0 with a 0, and the minimum it reads is
that of the batch it is modifying, so with larger batches the k-th row of each batch gets k times
1e7 lower (an artefact of the loop, not of the method). With one row per batch every channel gets
the example's minimum - 1e7, which is what @salience/grad-cam's `ablationCam` does. Behind a ReLU
(smallcnn's c3, colorcnn's b2) or a Softsign every such value gives the same result anyway. The
vision transformers use `AblationLayerVit` (the channel ablated in every token, prefix tokens too).

CAM_METHODS=ablationcam (a comma-separated list of method keys) computes only those methods and
writes them into the existing fixture files, leaving every other array (and the .onnx files) as
they are.

Writes packages/grad-cam/fixtures/cam/<model>.{json,bin} in the Captum fixture format (little-endian
float32 arrays named in the manifest). Per method `m`:
  m_raw    the map pytorch-grad-cam computes at the layer (`get_cam_image`), before its ReLU [B,h,w]
  m_final  what `cam(input, targets)` returns: ReLU, min-max scaled, resized to the input by
           OpenCV, scaled again [B,H,W]
EigenCAM's projection has the arbitrary sign of LAPACK's SVD; `eigencam_raw` is pytorch-grad-cam's
`get_2d_projection` and `eigencam_signed_raw` its `get_2d_projection_with_sign_correction` (largest
magnitude positive), whose pipeline output is `eigencam_signed_final`.
"""
import json
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.environ.get("PGC_SRC", "/tmp/pgc-src"))
try:
    import ttach  # noqa: F401
except ImportError:  # only test-time augmentation needs it
    ttach = types.ModuleType("ttach")
    ttach.Compose = lambda transforms: transforms
    ttach.HorizontalFlip = lambda: None
    ttach.Multiply = lambda factors: None
    sys.modules["ttach"] = ttach
try:
    import torchvision.transforms  # noqa: F401
except Exception:  # a torchvision built for another torch: only preprocess_image uses it
    tv = types.ModuleType("torchvision")
    tv.transforms = types.ModuleType("torchvision.transforms")
    tv.transforms.Compose = tv.transforms.Normalize = tv.transforms.ToTensor = None
    sys.modules["torchvision"], sys.modules["torchvision.transforms"] = tv, tv.transforms

from pytorch_grad_cam import (AblationCAM, EigenCAM, GradCAM, GradCAMPlusPlus, HiResCAM,  # noqa: E402
                              LayerCAM, ScoreCAM, XGradCAM)
from pytorch_grad_cam.ablation_layer import AblationLayer, AblationLayerVit  # noqa: E402
from pytorch_grad_cam.utils.image import scale_cam_image  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402
from pytorch_grad_cam.utils.svd_on_activations import (  # noqa: E402
    get_2d_projection, get_2d_projection_with_sign_correction)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CAPTUM = os.path.join(ROOT, "packages", "testing", "fixtures", "captum")
OUT = os.path.join(ROOT, "packages", "grad-cam", "fixtures", "cam")
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


class ColorCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.b2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 4 * 4, 5)

    def forward(self, x):
        x = F.relu(self.bn1(self.b1(x)))
        x = F.avg_pool2d(F.relu(self.b2(x)), 4)
        return self.fc(torch.flatten(x, 1))


class SoftsignCNN(SmallCNN):
    """smallcnn with Softsign after c3: onnx-autodiff has no gradient rule for Softsign, so no
    gradient reaches c3 and only the forward-only CAMs can explain the ONNX model."""

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.softsign(self.c3(x))
        return self.fc(x.mean(dim=(2, 3)))


def as_softsign_op(path):
    """The exporter writes softsign as x / (1 + |x|); put the single Softsign op back."""
    import onnx
    from onnx import helper
    m = onnx.load(path)
    nodes = list(m.graph.node)
    div = next(n for n in nodes if n.op_type == "Div")
    add = next(n for n in nodes if n.op_type == "Add" and n.output[0] == div.input[1])
    absolute = next(n for n in nodes if n.op_type == "Abs" and n.output[0] in add.input)
    constant = next(n for n in nodes if n.op_type == "Constant" and n.output[0] in add.input)
    dropped = {id(div), id(add), id(absolute), id(constant)}
    softsign = helper.make_node("Softsign", [div.input[0]], [div.output[0]], name="/softsign/Softsign")
    kept = [n for n in nodes if id(n) not in dropped]
    kept.insert(next(i for i, n in enumerate(kept) if div.output[0] in n.input), softsign)
    del m.graph.node[:]
    m.graph.node.extend(kept)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def read_arrays(folder, stem):
    manifest = json.load(open(os.path.join(folder, stem + ".json")))
    blob = open(os.path.join(folder, stem + ".bin"), "rb").read()
    out = {}
    for name, spec in manifest["arrays"].items():
        count = int(np.prod(spec["shape"]))
        out[name] = np.frombuffer(blob, dtype="<f4", count=count, offset=spec["offset"]).reshape(spec["shape"]).copy()
    return out, manifest


class Writer:
    def __init__(self, stem=None):
        self.buf, self.index = bytearray(), {}
        if ONLY and stem:
            # Keep every array of the existing fixture; the methods computed now replace theirs.
            arrays, manifest = read_arrays(OUT, stem)
            for name, arr in arrays.items():
                self.add(name, arr, **{k: v for k, v in manifest["arrays"][name].items() if k not in ("offset", "shape")})

    def add(self, name, arr, **meta):
        a = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
        known = self.index.get(name)
        if known is not None and known["shape"] == list(a.shape):
            # An array written again (CAM_METHODS mode) keeps its place.
            self.buf[known["offset"]:known["offset"] + a.nbytes] = a.tobytes()
            self.index[name] = {"offset": known["offset"], "shape": list(a.shape), **meta}
            return
        self.index[name] = {"offset": len(self.buf), "shape": list(a.shape), **meta}
        self.buf += a.tobytes()

    def save(self, stem, extra):
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, stem + ".bin"), "wb") as f:
            f.write(self.buf)
        with open(os.path.join(OUT, stem + ".json"), "w") as f:
            json.dump({"dtype": "float32", "byteOrder": "little", "arrays": self.index, **extra}, f, indent=1)


def raw_cam(cam, x, targets, layer):
    """BaseCAM.forward up to get_cam_image: the layer's map before ReLU and scaling."""
    outputs = cam.activations_and_grads(x)
    if cam.uses_gradients:
        cam.model.zero_grad()
        sum(t(o) for t, o in zip(targets, outputs)).backward(retain_graph=True)
    acts = cam.activations_and_grads.activations[0].numpy()
    grads = cam.activations_and_grads.gradients[0].numpy() if cam.uses_gradients else None
    return cam.get_cam_image(x, layer, targets, acts, grads, False), acts


METHODS = {"gradcam": GradCAM, "gradcam++": GradCAMPlusPlus, "hirescam": HiResCAM, "xgradcam": XGradCAM,
           "layercam": LayerCAM, "scorecam": ScoreCAM, "eigencam": EigenCAM, "ablationcam": AblationCAM}
ONLY = [k for k in os.environ.get("CAM_METHODS", "").split(",") if k]
FORWARD_ONLY = ("scorecam", "eigencam", "ablationcam")


def make_cam(method, model, layer, reshape_transform=None):
    if method is AblationCAM:
        # One row per batch: see the header (the ablation value of pytorch-grad-cam's larger batches).
        ablation = AblationLayerVit() if reshape_transform else AblationLayer()
        return AblationCAM(model=model, target_layers=[layer], reshape_transform=reshape_transform, ablation_layer=ablation, batch_size=1)
    return method(model=model, target_layers=[layer], reshape_transform=reshape_transform)


def chosen(methods):
    return {k: v for k, v in methods.items() if not ONLY or k in ONLY}


def token_reshape(prefix, height=4, width=4):
    """pytorch-grad-cam's reshape_transform for vision transformers: drop the prefix tokens (ViT's
    class token, DeiT's class and distillation tokens, none for Swin), tokens to a grid, channels first."""
    def reshape(tensor):
        result = tensor[:, prefix:, :].reshape(tensor.size(0), height, width, tensor.size(2))
        return result.transpose(2, 3).transpose(1, 2)
    return reshape


def transformers_models():
    """Tiny vision transformers from transformers' configs with seeded random weights, 32x32 images
    and 4 classes: ViT (8x8 patches: a class token and 16), DeiT with a distillation token (18
    tokens), Swin (4x4 patches, 4x4 windows, two stages: 16 tokens at the second). Returns, per
    name: the model (returning logits), its CAM layer's name and module, and the prefix tokens."""
    if "torchvision" in sys.modules and not hasattr(sys.modules["torchvision"], "__version__"):
        # the stand-in above: transformers must see no torchvision rather than import it
        sys.modules["torchvision"] = sys.modules["torchvision.transforms"] = None
    from transformers import (DeiTConfig, DeiTForImageClassificationWithTeacher, SwinConfig,
                              SwinForImageClassification, ViTConfig, ViTForImageClassification)

    def logits_of(cls):
        class Logits(cls):
            def forward(self, x):
                return super().forward(pixel_values=x).logits
        return Logits

    small = dict(image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2,
                 num_attention_heads=2, intermediate_size=64, num_labels=4, attn_implementation="eager")
    torch.manual_seed(0)
    vit = logits_of(ViTForImageClassification)(ViTConfig(**small)).eval()
    torch.manual_seed(0)
    deit = logits_of(DeiTForImageClassificationWithTeacher)(DeiTConfig(**small)).eval()
    torch.manual_seed(0)
    swin = logits_of(SwinForImageClassification)(SwinConfig(image_size=32, patch_size=4, num_channels=3, embed_dim=16,
                                                             depths=[1, 1], num_heads=[2, 2], window_size=4, num_labels=4)).eval()
    return {
        "vit": (vit, "vit.layers.1.layernorm_before", vit.vit.layers[-1].layernorm_before, 1),
        "deit": (deit, "deit.layers.1.layernorm_before", deit.deit.layers[-1].layernorm_before, 2),
        "swin": (swin, "swin.encoder.layers.1.blocks.0.layernorm_before", swin.swin.encoder.layers[-1].blocks[-1].layernorm_before, 0),
    }


def attentions_of(model, x):
    """The attention probabilities of every block, first block first, as transformers returns them."""
    from transformers import ViTForImageClassification
    return ViTForImageClassification.forward(model, pixel_values=x, output_attentions=True).attentions


def transformer_fixture(name, model, layer_name, layer, prefix):
    torch.manual_seed(1)
    x = torch.rand(3, 3, 32, 32)
    target = np.array([0, 2, 3])
    if not ONLY:
        torch.onnx.export(model, (x[:1],), os.path.join(OUT, f"{name}.onnx"), input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                          opset_version=17, dynamo=False, do_constant_folding=False)
    targets = [ClassifierOutputTarget(int(t)) for t in target]
    w = Writer(name)
    w.add("input", x)
    w.add("target", target)
    w.add("logits", model(x).detach())
    for key, method in chosen(METHODS).items():
        cam = make_cam(method, model, layer, token_reshape(prefix))
        raw, acts = raw_cam(cam, x, targets, layer)
        w.add(f"{key}_raw", raw, method=f"pytorch-grad-cam {method.__name__} with reshape_transform, before ReLU")
        w.add(f"{key}_final", cam(input_tensor=x, targets=targets), method=f"pytorch-grad-cam {method.__name__}(input, targets)")
        if key == "eigencam":
            signed = get_2d_projection_with_sign_correction(acts)
            w.add("eigencam_signed_raw", signed, method="get_2d_projection_with_sign_correction")
            w.add("eigencam_signed_final", scale_cam_image(scale_cam_image(np.maximum(signed, 0), (32, 32))),
                  method="BaseCAM's pipeline on the sign-corrected projection")
        cam.activations_and_grads.release()
    if name == "vit" and not ONLY:
        # Attention rollout (Abnar & Zuidema 2020) from transformers' own attention probabilities, by
        # the paper's formula (neither pytorch-grad-cam nor Captum has it): heads fused, averaged with
        # the identity for the residual path, rows renormalised, multiplied from the first block on;
        # the class token's row over the image tokens.
        with torch.no_grad():
            attentions = [a.numpy().astype(np.float64) for a in attentions_of(model, x)]
        tokens = attentions[0].shape[-1]
        for fusion in ("mean", "max"):
            rollout = np.tile(np.eye(tokens), (x.shape[0], 1, 1))
            for a in attentions:
                fused = a.mean(axis=1) if fusion == "mean" else a.max(axis=1)
                fused = fused + np.eye(tokens)
                fused = fused / fused.sum(axis=-1, keepdims=True)
                rollout = fused @ rollout
            w.add(f"rollout_{fusion}", rollout[:, 0, 1:].reshape(x.shape[0], 4, 4),
                  method=f"attention rollout, heads fused by {fusion}, class token row, 4x4 grid")
    w.save(name, {"model": name, "layer": layer_name, "prefixTokens": prefix, "layout": "NCHW",
                  "reference": "pytorch-grad-cam (jacobgil/pytorch-grad-cam, from source)"})
    print(name, "written")


def main():
    for name, cls, layer_name in (("smallcnn", SmallCNN, "c3"), ("colorcnn", ColorCNN, "b2"), ("softsign", SoftsignCNN, "c3")):
        folder = os.path.join(CAPTUM, "smallcnn" if name == "softsign" else name)
        weights, _ = read_arrays(folder, "weights")
        cases, _ = read_arrays(folder, "cases")
        model = cls()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
        model.eval()
        x = torch.from_numpy(cases["input"])
        target = cases["target"].astype(np.int64)
        logits = model(x).detach().numpy()
        if name == "softsign":
            if not ONLY:  # CAM_METHODS mode leaves softsign.onnx as it is
                torch.onnx.export(model, (x[:1],), os.path.join(OUT, "softsign.onnx"), input_names=["input"],
                                  output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                                  opset_version=17, dynamo=False, do_constant_folding=False)
                as_softsign_op(os.path.join(OUT, "softsign.onnx"))
        else:
            assert np.abs(logits - cases["logits"]).max() < 1e-4, "rebuilt model differs from the fixture's"
        layer = getattr(model, layer_name)
        targets = [ClassifierOutputTarget(int(t)) for t in target]
        os.makedirs(OUT, exist_ok=True)
        w = Writer(name)
        w.add("input", cases["input"])
        w.add("target", target)
        w.add("logits", logits)
        methods = {k: METHODS[k] for k in FORWARD_ONLY} if name == "softsign" else METHODS
        for key, method in chosen(methods).items():
            cam = make_cam(method, model, layer)
            raw, acts = raw_cam(cam, x, targets, layer)
            final = cam(input_tensor=x, targets=targets)
            w.add(f"{key}_raw", raw, method=f"pytorch-grad-cam {method.__name__}.get_cam_image at {layer_name}, before ReLU")
            w.add(f"{key}_final", final, method=f"pytorch-grad-cam {method.__name__}(input, targets): ReLU, scaled, resized, scaled")
            if key == "eigencam":
                signed = get_2d_projection_with_sign_correction(acts)
                assert np.allclose(np.abs(signed), np.abs(get_2d_projection(acts)), atol=1e-5)
                w.add("eigencam_signed_raw", signed, method="get_2d_projection_with_sign_correction (largest magnitude positive)")
                size = (x.shape[-1], x.shape[-2])
                w.add("eigencam_signed_final", scale_cam_image(scale_cam_image(np.maximum(signed, 0), size)),
                      method="BaseCAM's pipeline on the sign-corrected projection")
            cam.activations_and_grads.release()
        w.save(name, {"model": name, "layer": layer_name, "layout": "NCHW",
                      "reference": "pytorch-grad-cam (jacobgil/pytorch-grad-cam, from source)"})
        print(name, "written")


if __name__ == "__main__":
    main()
    for name, spec in transformers_models().items():
        transformer_fixture(name, *spec)
