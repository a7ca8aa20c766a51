"""Captum's IG-50 time on every ONNX zoo model, for tools/bench-zoo.ts (--captum) to put next to ours.

Usage:
    /tmp/venv/bin/python tools/bench-zoo-captum.py [--runs 3] [--captum /tmp/captum-src] [--zoo DIR]

Prints one JSON object, {model name: seconds}, on stdout. Each model is rebuilt exactly as
tools/export-zoo.py builds it (same transformers config and seeds, its builders imported from that
script), fed the batch stored in packages/onnx/test/zoo/<name>/cases.bin (2 examples, their
targets, and for text the attention_mask / token_type_ids), and timed as export-zoo.py times
`captumIg50Seconds`: IntegratedGradients (images, zero baseline) or LayerIntegratedGradients on the
word embeddings from the pad id (text), 50 Gauss-Legendre steps, float32, one torch thread,
internal_batch_size None (the whole batch in one pass); median CPU time (time.process_time) of
--runs warm runs after one warm-up. Captum is not installed: its source tree is put on sys.path
(see export-zoo.py's header for how to bring it). Writes nothing.
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def load_export_zoo():
    spec = importlib.util.spec_from_file_location("export_zoo", os.path.join(HERE, "export-zoo.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fixture_arrays(folder):
    with open(os.path.join(folder, "cases.json")) as f:
        manifest = json.load(f)
    data = np.fromfile(os.path.join(folder, "cases.bin"), dtype="<f4")
    out = {}
    for name, entry in manifest["arrays"].items():
        count = int(np.prod(entry["shape"]))
        start = entry["offset"] // 4
        out[name] = data[start:start + count].reshape(entry["shape"])
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--captum", default="/tmp/captum-src")
    parser.add_argument("--zoo", default=os.path.join(HERE, "..", "packages", "onnx", "test", "zoo"))
    args = parser.parse_args()
    sys.path.insert(0, args.captum)
    ez = load_export_zoo()
    import torch
    from captum.attr import IntegratedGradients, LayerIntegratedGradients

    torch.set_num_threads(1)
    seconds = {}
    for seed, (name, (build, _size, _layer)) in enumerate(ez.image_models().items()):
        gen_seed = 1000 + 10 * seed  # as export-zoo.py's main
        torch.manual_seed(gen_seed)
        model = build().eval()
        ez.randomize(model, torch.Generator().manual_seed(gen_seed + 1))
        wrapper = ez.Logits(model, ["pixel_values"]).eval().float()
        arrays = fixture_arrays(os.path.join(args.zoo, name))
        x = torch.from_numpy(arrays["pixel_values"].copy())
        target = [int(t) for t in arrays["target"]]
        seconds[name] = ez.timed_median(lambda: IntegratedGradients(wrapper).attribute(x, target=target, n_steps=50), args.runs)
        print(f"{name}: {seconds[name] * 1000:.1f} ms", file=sys.stderr, flush=True)
    for seed, (name, (build, names, embpath, pad)) in enumerate(ez.text_models().items()):
        gen_seed = 2000 + 10 * seed
        torch.manual_seed(gen_seed)
        model = build().eval()
        wrapper = ez.Logits(model, names).eval().float()
        arrays = fixture_arrays(os.path.join(args.zoo, name))
        ids = torch.from_numpy(arrays["input_ids"].astype(np.int64))
        companions = tuple(torch.from_numpy(arrays[n].astype(np.int64)) for n in names[1:])
        target = [int(t) for t in arrays["target"]]
        baseline = torch.full_like(ids, pad)
        lig = LayerIntegratedGradients(wrapper, ez.module(wrapper.m, embpath))
        seconds[name] = ez.timed_median(lambda: lig.attribute(ids, baselines=baseline, target=target,
                                                              additional_forward_args=companions, n_steps=50), args.runs)
        print(f"{name}: {seconds[name] * 1000:.1f} ms", file=sys.stderr, flush=True)
    print(json.dumps(seconds))


if __name__ == "__main__":
    main()
