"""Reference maps for @salience/modified-backprop: Captum's GuidedBackprop, Deconvolution and DeepLift
(rescale) on the smallcnn and colorcnn fixture models and on a small ResNet-style model.

Run (from the repository root; captum and zennit are used from their sources, never installed):
    git --git-dir=<fetched github:pytorch/captum> archive HEAD | tar -x -C /tmp/captum-src
    git --git-dir=<fetched github:chr5tphr/zennit> archive HEAD | tar -x -C /tmp/zennit-src
    PYTHONPATH=/tmp/captum-src:/tmp/zennit-src/src /tmp/venv/bin/python tools/make-backprop-fixtures.py /work/shared/fixtures/captum

Writes packages/modified-backprop/fixtures/<model>/{model.onnx, backprop.json, backprop.bin} and Zennit's
composites and layer maps into zennit.{json,bin}: each map in float32 (the reference) and again with the
model and input in float64 (`<case>_f64`, rounded to float32 to store), so that a test can tell salience's error
from the float32 floor. colorcnn and resnetlite are exported a second time with their BatchNorms kept
(model-bn.onnx, BatchNormalization nodes): salience folds them as Zennit's NamedMergeBatchNorm canonizer does.
smallcnn and colorcnn are rebuilt from the shared fixtures' weights with one nn.ReLU / nn.MaxPool2d
module per use (Captum's hooks only see modules), checked against the fixtures' logits, and exported
again (the same graph as the shared model.onnx); resnetlite has seeded random weights.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from captum.attr import LRP, Deconvolution, DeepLift, GuidedBackprop, GuidedGradCam
from captum.attr._utils.lrp_rules import EpsilonRule, IdentityRule
from torch.nn.utils.fusion import fuse_conv_bn_eval


def stub_torchvision():
    """zennit imports torchvision for its ResNet canonizers and FrozenBatchNorm2d type, none of which are used here;
    this torchvision build fails to load its C++ ops against torch 2.13, so stand-ins take its place."""
    import types
    names = ["torchvision", "torchvision.models", "torchvision.models.resnet", "torchvision.ops"]
    mods = {n: types.ModuleType(n) for n in names}
    mods["torchvision.models.resnet"].Bottleneck = type("Bottleneck", (nn.Module,), {})
    mods["torchvision.models.resnet"].BasicBlock = type("BasicBlock", (nn.Module,), {})
    mods["torchvision.ops"].FrozenBatchNorm2d = type("FrozenBatchNorm2d", (nn.Module,), {})
    mods["torchvision"].models, mods["torchvision"].ops = mods["torchvision.models"], mods["torchvision.ops"]
    mods["torchvision.models"].resnet = mods["torchvision.models.resnet"]
    sys.modules.update(mods)


stub_torchvision()
from zennit.attribution import Gradient  # noqa: E402
from zennit.canonizers import NamedMergeBatchNorm  # noqa: E402
from zennit.composites import (  # noqa: E402
    EpsilonAlpha2Beta1,
    EpsilonAlpha2Beta1Flat,
    EpsilonGammaBox,
    EpsilonPlus,
    EpsilonPlusFlat,
    LayerMapComposite,
    SpecialFirstLayerMapComposite,
    layer_map_base,
)
from zennit.rules import AlphaBeta, Epsilon, Flat, Gamma, WSquare, ZBox, ZPlus  # noqa: E402
from zennit.types import Convolution  # noqa: E402
from zennit.types import Linear as AnyLinear  # noqa: E402

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/fixtures/captum"
OUT = os.path.join(os.path.dirname(__file__), "..", "packages", "modified-backprop", "fixtures")


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.c3 = nn.Conv2d(16, 16, 3, padding=1)
        self.fc = nn.Linear(16, 10)
        self.r1, self.r2, self.r3 = nn.ReLU(), nn.ReLU(), nn.ReLU()
        self.p1, self.p2 = nn.MaxPool2d(2), nn.MaxPool2d(2)

    def forward(self, x):
        x = self.p1(self.r1(self.c1(x)))
        x = self.p2(self.r2(self.c2(x)))
        x = self.r3(self.c3(x))
        return self.fc(x.mean(dim=(2, 3)))


class ColorCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.b2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 4 * 4, 5)
        self.r1, self.r2 = nn.ReLU(), nn.ReLU()
        self.pool = nn.AvgPool2d(4)

    def forward(self, x):
        x = self.r1(self.bn1(self.b1(x)))
        x = self.pool(self.r2(self.b2(x)))
        return self.fc(torch.flatten(x, 1))


class ResNetLite(nn.Module):
    """A stem, a max pool, two basic residual blocks (the second with a strided 1x1 shortcut), BatchNorm kept."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(8)
        self.r0 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.a1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.abn1 = nn.BatchNorm2d(8)
        self.ar1 = nn.ReLU()
        self.a2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.abn2 = nn.BatchNorm2d(8)
        self.ar2 = nn.ReLU()
        self.b1 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bbn1 = nn.BatchNorm2d(16)
        self.br1 = nn.ReLU()
        self.b2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bbn2 = nn.BatchNorm2d(16)
        self.short = nn.Conv2d(8, 16, 1, stride=2, bias=False)
        self.sbn = nn.BatchNorm2d(16)
        self.br2 = nn.ReLU()
        self.fc = nn.Linear(16, 6)

    def forward(self, x):
        h = self.pool(self.r0(self.bn0(self.stem(x))))
        h = self.ar2(h + self.abn2(self.a2(self.ar1(self.abn1(self.a1(h))))))
        h = self.br2(self.sbn(self.short(h)) + self.bbn2(self.b2(self.br1(self.bbn1(self.b1(h))))))
        return self.fc(h.mean(dim=(2, 3)))


class MlpBn(nn.Module):
    """Tabular features: Linear, BatchNorm1d, ReLU, Linear. The export keeps the BatchNorm (it folds only Conv + BatchNorm)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.bn = nn.BatchNorm1d(16)
        self.r = nn.ReLU()
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(self.r(self.bn(self.fc1(x))))


class Copy(nn.Module):
    """x as a new tensor (nn.Identity returns its input itself, on which Captum's hooks collide)."""

    def forward(self, x):
        return x * 1.0


def fold_batch_norms(model):
    """A copy with every BatchNorm2d folded into the Conv2d attribute set just before it (the ONNX export folds them too)."""
    import copy
    folded = copy.deepcopy(model).eval()
    names = [n for n, _ in folded.named_children()]
    for conv_name, bn_name in [("b1", "bn1"), ("stem", "bn0"), ("a1", "abn1"), ("a2", "abn2"), ("b1", "bbn1"), ("b2", "bbn2"), ("short", "sbn")]:
        if conv_name in names and bn_name in names:
            setattr(folded, conv_name, fuse_conv_bn_eval(getattr(folded, conv_name), getattr(folded, bn_name)))
            # Captum's LRP needs a rule on every module: the stand-in passes relevance unchanged.
            identity = Copy()
            identity.rule = IdentityRule()
            setattr(folded, bn_name, identity)
    return folded


def read_arrays(stem):
    manifest = json.load(open(stem + ".json"))
    raw = open(stem + ".bin", "rb").read()
    out = {}
    for name, e in manifest["arrays"].items():
        n = int(np.prod(e["shape"])) if e["shape"] else 1
        out[name] = torch.from_numpy(np.frombuffer(raw, dtype="<f4", count=n, offset=e["offset"]).reshape(e["shape"]).copy())
    return out


class Writer:
    def __init__(self):
        self.buf, self.index = bytearray(), {}

    def add(self, name, arr, **meta):
        a = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
        self.index[name] = {"offset": len(self.buf), "shape": list(a.shape), **meta}
        self.buf += a.tobytes()

    def save(self, folder, extra):
        with open(os.path.join(folder, "backprop.bin"), "wb") as f:
            f.write(self.buf)
        with open(os.path.join(folder, "backprop.json"), "w") as f:
            json.dump({"dtype": "float32", "byteOrder": "little", "arrays": self.index, **extra}, f, indent=1)


def export(model, x, path):
    torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["logits"], opset_version=17,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)


def cases(name, model, x, target, layer):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    model.eval()
    export(model, x, os.path.join(folder, "model.onnx"))
    w = Writer()
    w.add("input", x.numpy())
    w.add("target", target.float().numpy())
    w.add("logits", model(x).detach().numpy())
    w.add("guided_backprop", GuidedBackprop(model).attribute(x, target=target).detach().numpy(), method="Captum GuidedBackprop")
    w.add("deconvnet", Deconvolution(model).attribute(x, target=target).detach().numpy(), method="Captum Deconvolution")
    w.add("deeplift_zero", DeepLift(model).attribute(x, baselines=torch.zeros_like(x), target=target).detach().numpy(),
          method="Captum DeepLift, zero baseline")
    base = torch.full_like(x[:1], 0.25)
    w.add("deeplift_baseline", base.numpy())
    w.add("deeplift_const", DeepLift(model).attribute(x, baselines=base.expand_as(x), target=target).detach().numpy(),
          method="Captum DeepLift, baseline deeplift_baseline for every example")
    w.add("guided_gradcam", GuidedGradCam(model, getattr(model, layer)).attribute(x, target=target).detach().numpy(),
          method=f"Captum GuidedGradCam at layer {layer} (its output), nearest upsampling", layer=layer)
    folded = fold_batch_norms(model)
    w.add("lrp_epsilon", LRP(folded).attribute(x, target=target).detach().numpy(),
          method="Captum LRP (default rules: epsilon 1e-9), BatchNorm folded into the convolution before it, as the ONNX export does")
    folded = fold_batch_norms(model)  # Captum removes the rules it used
    for m in folded.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear, nn.MaxPool2d, nn.AvgPool2d)):
            m.rule = EpsilonRule(epsilon=0.01)
    w.add("lrp_epsilon_0.01", LRP(folded).attribute(x, target=target).detach().numpy(),
          method="Captum LRP, EpsilonRule(0.01) on every convolution, linear and pooling module, BatchNorm folded")
    folded = fold_batch_norms(model)
    classes = model(x).shape[1]
    with Gradient(model=folded, composite=EpsilonPlusFlat()) as attributor:
        _, relevance = attributor(x, torch.eye(classes)[target])
    w.add("zennit_epsilon_plus_flat", relevance.detach().numpy(),
          method="Zennit EpsilonPlusFlat, output relevance one-hot at the target, BatchNorm folded")
    w.save(folder, {"model": name, "gradcamLayer": layer})


# (linear layers, the BatchNorm after them) by module name, for Zennit's NamedMergeBatchNorm canonizer.
BATCH_NORMS = {
    "smallcnn": [],
    "colorcnn": [(["b1"], "bn1")],
    "resnetlite": [(["stem"], "bn0"), (["a1"], "abn1"), (["a2"], "abn2"), (["b1"], "bbn1"), (["b2"], "bbn2"), (["short"], "sbn")],
    "mlpbn": [(["fc1"], "bn")],
}

def bound(v, dtype, ndim):
    """A z-box bound as Zennit takes it: a number, or a tensor with one value per channel (axis 1)."""
    return torch.tensor(v, dtype=dtype).view(1, -1, *([1] * (ndim - 2))) if isinstance(v, list) else v


RULES = {
    "epsilon": lambda p, dt, nd: Epsilon(epsilon=p.get("epsilon", 1e-6)),
    "gamma": lambda p, dt, nd: Gamma(gamma=p.get("gamma", 0.25)),
    "alpha2-beta1": lambda p, dt, nd: AlphaBeta(alpha=2, beta=1),
    "alpha1-beta0": lambda p, dt, nd: AlphaBeta(alpha=1, beta=0),
    "z-plus": lambda p, dt, nd: ZPlus(),
    "w-square": lambda p, dt, nd: WSquare(),
    "flat": lambda p, dt, nd: Flat(),
    "z-box": lambda p, dt, nd: ZBox(low=bound(p["low"], dt, nd), high=bound(p["high"], dt, nd)),
}


def layer_map(spec, parameters, canonizers, dtype, ndim):
    """A Zennit composite for salience's layer map {first?, convolution?, dense?} (left-out layer types: epsilon)."""
    rule = lambda key: RULES[spec.get(key, "epsilon")](parameters, dtype, ndim)  # noqa: E731
    layers = layer_map_base() + [(Convolution, rule("convolution")), (nn.Linear, rule("dense"))]
    if "first" in spec:
        return SpecialFirstLayerMapComposite(layer_map=layers, first_map=[(AnyLinear, rule("first"))], canonizers=canonizers)
    return LayerMapComposite(layer_map=layers, canonizers=canonizers)


def zennit_cases(name, model, x, target, maps=None, with_input=False):
    """Zennit's composites (and `maps`, layer maps with their parameters) on the unfolded model, BatchNorm merged by
    Zennit's canonizer, in float32 and float64. `with_input`: the input and targets go into zennit.json too."""
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    model.eval()
    if BATCH_NORMS[name]:
        path = os.path.join(folder, "model-bn.onnx")
        torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["logits"], opset_version=17,
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False,
                          training=torch.onnx.TrainingMode.PRESERVE)
        import onnx
        kept = sum(n.op_type == "BatchNormalization" for n in onnx.load(path).graph.node)
        assert kept == len(BATCH_NORMS[name]), f"{name}: {kept} BatchNormalization nodes kept"
    # ZBox bounds: the input's range, per channel where there are several.
    if x.shape[1] == 1:
        low, high = float(x.min()), float(x.max())
    else:
        others = tuple(d for d in range(x.ndim) if d != 1)
        low = [float(v) for v in x.amin(dim=others)]
        high = [float(v) for v in x.amax(dim=others)]
    nd = x.ndim
    cases = [
        ("epsilon_plus_flat", {"composite": "epsilon-plus-flat"}, lambda c, dt: EpsilonPlusFlat(canonizers=c)),
        ("epsilon_gamma_box", {"composite": "epsilon-gamma-box", "low": low, "high": high},
         lambda c, dt: EpsilonGammaBox(low=bound(low, dt, nd), high=bound(high, dt, nd), canonizers=c)),
        ("epsilon_plus", {"composite": "epsilon-plus"}, lambda c, dt: EpsilonPlus(canonizers=c)),
        ("epsilon_alpha2_beta1", {"composite": "epsilon-alpha2-beta1"}, lambda c, dt: EpsilonAlpha2Beta1(canonizers=c)),
        ("epsilon_alpha2_beta1_flat", {"composite": "epsilon-alpha2-beta1-flat"}, lambda c, dt: EpsilonAlpha2Beta1Flat(canonizers=c)),
    ]
    maps = maps if maps is not None else [
        ("w_square_alpha1_beta0", {"first": "w-square", "convolution": "alpha1-beta0", "dense": "epsilon"}, {"epsilon": 0.01}),
        ("gamma_alpha2_beta1", {"convolution": "gamma", "dense": "alpha2-beta1"}, {"gamma": 0.5}),
        ("z_plus_gamma", {"first": "z-plus", "convolution": "epsilon", "dense": "gamma"}, {}),
    ]
    for case, spec, parameters in maps:
        if parameters.get("low") == "range":
            parameters = {**parameters, "low": low, "high": high}
        cases.append((case, {"composite": spec, **parameters},
                      (lambda s, p: lambda c, dt: layer_map(s, p, c, dt, nd))(spec, parameters)))
    w = Writer()
    if with_input:
        w.add("input", x.numpy())
        w.add("target", target.float().numpy())
        w.add("logits", model(x).detach().numpy())
    classes = model(x).shape[1]
    for case, options, make in cases:
        for suffix, dtype in [("", torch.float32), ("_f64", torch.float64)]:
            import copy
            m = copy.deepcopy(model).to(dtype).eval()
            canonizers = [NamedMergeBatchNorm(BATCH_NORMS[name])] if BATCH_NORMS[name] else None
            with Gradient(model=m, composite=make(canonizers, dtype)) as attributor:
                _, relevance = attributor(x.to(dtype), torch.eye(classes, dtype=dtype)[target])
            extra = {"options": options, "method": f"Zennit {case}, output relevance one-hot at the target, BatchNorm merged"} if not suffix else {}
            w.add(case + suffix, relevance.detach().double().numpy(), **extra)
    with open(os.path.join(folder, "zennit.bin"), "wb") as f:
        f.write(w.buf)
    with open(os.path.join(folder, "zennit.json"), "w") as f:
        json.dump({"dtype": "float32", "byteOrder": "little", "arrays": w.index, "model": name}, f, indent=1)


def main():
    torch.manual_seed(0)
    for name, cls, layer in [("smallcnn", SmallCNN, "c3"), ("colorcnn", ColorCNN, "b2")]:
        model = cls()
        weights = read_arrays(os.path.join(SOURCE, name, "weights"))
        model.load_state_dict(weights, strict=False)
        missing = set(model.state_dict()) - set(weights) - {k for k in model.state_dict() if k.endswith("num_batches_tracked")}
        assert not missing, missing
        model.eval()
        ref = read_arrays(os.path.join(SOURCE, name, "cases"))
        x, target = ref["input"], ref["target"].long()
        err = (model(x) - ref["logits"]).abs().max().item()
        assert err < 1e-5, f"{name}: rebuilt model's logits differ by {err}"
        cases(name, model, x, target, layer)
        zennit_cases(name, model, x, target)
    torch.manual_seed(7)
    model = ResNetLite()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.6, 1.4)
            m.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    x = torch.randn(3, 3, 16, 16)
    target = torch.tensor([0, 3, 5])
    cases("resnetlite", model, x, target, "br2")
    zennit_cases("resnetlite", model, x, target)
    # BatchNorm after a dense layer, folded into the Gemm by salience (Zennit's canonizer merges it): dense rules.
    torch.manual_seed(11)
    model = MlpBn()
    model.bn.running_mean.uniform_(-0.3, 0.3)
    model.bn.running_var.uniform_(0.5, 1.5)
    model.bn.weight.data.uniform_(0.6, 1.4)
    model.bn.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    x = torch.randn(4, 8)
    target = torch.tensor([0, 1, 2, 1])
    zennit_cases("mlpbn", model, x, target, with_input=True, maps=[
        ("w_square_alpha2_beta1", {"first": "w-square", "dense": "alpha2-beta1"}, {}),
        ("gamma_dense", {"dense": "gamma"}, {"gamma": 0.5}),
        ("z_box_z_plus", {"first": "z-box", "dense": "z-plus"}, {"low": "range"}),
        ("flat_epsilon", {"first": "flat"}, {"epsilon": 0.01}),
    ])


if __name__ == "__main__":
    main()
