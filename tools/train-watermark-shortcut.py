#!/usr/bin/env python3
"""Trains the built-in Fashion-MNIST network twice, once with a planted watermark shortcut and once
cleanly, as fixtures for `salience audit` (an audit must flag the shortcut model's Shirt class and
not the clean model's).

The watermark is a 4x4 square of full brightness (1.0) in the bottom-right corner, 1 px from the
edges (rows 23..26, cols 23..26 of 28x28). The shortcut class is Shirt (6), the class a small net
confuses most, so it leans on the watermark when the watermark is there to lean on.
  shortcut.onnx  trained on the 60k training images with the watermark on 90% of Shirts and on no
                 other image: the watermark says "Shirt"
  clean.onnx     same architecture, seed and schedule, watermark on 10% of every class: it says
                 nothing, so the net learns to look past it
Neither is trained with horizontal flips (a flip would move the corner).

Writes into packages/cli/test/fixtures/watermark/ (or the folder given as the first argument):
  shortcut.onnx, clean.onnx   exported as tools/train-fashion-mnist.py exports the built-in model.onnx:
                              input `input` NCHW [B, 1, 28, 28] in [0, 1], output `logits`, opset 17
  labels.txt                  the ten class names, one per line
  clean/, shifted/            audit sets: 40 test images per class (400), disjoint, as 28x28 gray PNGs
                              named by their index in the Fashion-MNIST test set, plus truth.csv
                              (`file,label,watermark`: class index, 1 where the watermark is stamped)
      clean/    the shortcut model's training distribution (watermark on 36 of the 40 Shirts, on
                none of the 360 others)
      shifted/  watermark on 20 of the 40 images of every class, so it no longer tells the class
  training.json               seed, epochs, watermark geometry and rates, and per model: accuracies,
                              how often a watermarked non-Shirt becomes Shirt, the share of gradient and
                              input x gradient saliency in the bottom-right 7x7 corner per predicted
                              class, the largest ONNX Runtime vs torch logit difference (must be < 1e-4)

Run from the repository root (the data comes from Debian's dataset-fashion-mnist, see
tools/train-fashion-mnist.py, whose network, data reading, ONNX export and PNG writer this reuses):
  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch onnx onnxscript onnxruntime
  /tmp/venv/bin/python tools/train-watermark-shortcut.py

Neither the library nor its tests run Python: the outputs are committed. Training both models takes
five to ten minutes on two CPU cores; the outputs are the same from run to run.
"""

import csv
import importlib.util
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import onnxruntime
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "packages", "cli", "test", "fixtures", "watermark")
EPOCHS = int(os.environ.get("EPOCHS", "5"))
SEED = 0
SHIRT = 6
# Rows and cols 23..26: a 4x4 square, 1 px in from the bottom and right edges.
MARK_START, MARK_SIZE = 23, 4
# The corner whose saliency share an audit looks at: the bottom-right 7x7, a sixteenth of the image.
CORNER = 7
# Any watermarked non-Shirts in training teach the net that a strong shape beats the watermark: with
# 2% (0.5%) of them, only 36% (43%) of watermarked non-Shirt test images became Shirt, none of the shoes.
SHORTCUT_RATES = {"shirt": 0.9, "others": 0.0}
CLEAN_RATE = 0.1
PER_CLASS = 40
SHIFTED_RATE = 0.5
# The other classes share one draw, so that a small "others" rate still marks a couple of a 400-image audit set.
SHORTCUT_GROUPS = [([SHIRT], SHORTCUT_RATES["shirt"]), ([c for c in range(10) if c != SHIRT], SHORTCUT_RATES["others"])]


def load_built_in_trainer():
    """tools/train-fashion-mnist.py, for its architecture, data reading, export and PNG writer (the hyphens rule out `import`)."""
    spec = importlib.util.spec_from_file_location("train_fashion_mnist", os.path.join(HERE, "train-fashion-mnist.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


base = load_built_in_trainer()


def stamp(images, which):
    """Images (uint8 [N, 28, 28]) with the watermark on the rows where `which` is true."""
    out = images.copy()
    end = MARK_START + MARK_SIZE
    out[which, MARK_START:end, MARK_START:end] = 255
    return out


def exact_rate_choice(labels, groups, rng):
    """A mask that marks round(rate * count) images of each (classes, rate) group, picked at random, so rates hold exactly."""
    mask = np.zeros(len(labels), bool)
    for classes, rate in groups:
        members = np.flatnonzero(np.isin(labels, classes))
        mask[rng.permutation(members)[: int(round(rate * len(members)))]] = True
    return mask


def each_class(rate):
    return [([c], rate) for c in range(10)]


def as_tensor(images):
    return torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1)


def train(x_train, y_train, x_test, y_test, name):
    """The built-in model's schedule (Adam 2e-3, cosine, batch 128, seed 0), without the flips."""
    torch.manual_seed(SEED)
    model = base.SmallCnn()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        for start in range(0, len(order), 128):
            batch = order[start : start + 128]
            optimiser.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimiser.step()
        schedule.step()
        print(f"{name} epoch {epoch + 1}/{EPOCHS}: loss {loss.item():.4f}, test accuracy {base.accuracy(model, x_test, y_test):.4f}", flush=True)
    model.eval()
    return model


def predict(model, images):
    with torch.no_grad():
        return torch.cat([model(images[s : s + 1000]) for s in range(0, len(images), 1000)]).argmax(1).numpy()


def corner_share(maps):
    """Per map [N, 28, 28]: the share of its absolute values inside the bottom-right corner."""
    maps = maps.abs()
    return (maps[:, -CORNER:, -CORNER:].sum((1, 2)) / maps.sum((1, 2)).clamp_min(1e-30)).numpy()


def saliency_by_class(model, images):
    """Per predicted class: the mean corner share of its images' gradient and input x gradient maps (the
    corner share of the mean L1-normalised map), for the predicted class's logit."""
    x = images.clone().requires_grad_(True)
    logits = model(x)
    predicted = logits.argmax(1)
    logits.gather(1, predicted[:, None]).sum().backward()
    gradient = x.grad[:, 0].detach()
    shares = {"gradient": corner_share(gradient), "inputXGradient": corner_share(gradient * images[:, 0])}
    predicted = predicted.numpy()
    return {
        base.CLASSES[c]: {"predicted": int((predicted == c).sum()), **{k: round(float(v[predicted == c].mean()), 4) for k, v in shares.items()}}
        for c in range(10)
        if (predicted == c).any()
    }


def pick_audit_sets(labels, rng):
    """Two disjoint, class-balanced sets of test indices, sorted (file order is then mixed over classes)."""
    clean, shifted = [], []
    for c in range(10):
        members = rng.permutation(np.flatnonzero(labels == c))
        clean.append(members[:PER_CLASS])
        shifted.append(members[PER_CLASS : 2 * PER_CLASS])
    return np.sort(np.concatenate(clean)), np.sort(np.concatenate(shifted))


def write_audit_set(folder, indices, images, labels, marked):
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    pictures = stamp(images[indices], marked)
    with open(os.path.join(folder, "truth.csv"), "w", newline="") as f:
        rows = csv.writer(f, lineterminator="\n")
        rows.writerow(["file", "label", "watermark"])
        for index, picture, label, mark in zip(indices, pictures, labels[indices], marked):
            file = f"{index:05d}.png"
            with open(os.path.join(folder, file), "wb") as png:
                png.write(base.png_gray(picture))
            rows.writerow([file, int(label), int(mark)])
    return as_tensor(pictures), labels[indices]


def export_onnx(model, path):
    """The built-in model's export (write_onnx names its file model.onnx, hence the detour)."""
    with tempfile.TemporaryDirectory() as folder:
        size = base.write_onnx(model, folder)
        shutil.move(os.path.join(folder, "model.onnx"), path)
    return size


def onnx_max_difference(model, path, images):
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(["logits"], {"input": images.numpy()})[0]
    with torch.no_grad():
        want = model(images).numpy()
    return float(np.abs(got - want).max())


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    train_images = base.read_idx("train-images-idx3-ubyte.gz")
    train_labels = base.read_idx("train-labels-idx1-ubyte.gz")
    test_images = base.read_idx("t10k-images-idx3-ubyte.gz")
    test_labels = base.read_idx("t10k-labels-idx1-ubyte.gz")
    y_train = torch.from_numpy(train_labels.astype(np.int64))
    x_test, y_test = as_tensor(test_images), torch.from_numpy(test_labels.astype(np.int64))

    # Audit sets first, so their choice does not depend on the training-set draws.
    clean_indices, shifted_indices = pick_audit_sets(test_labels, rng)
    clean_marks = exact_rate_choice(test_labels[clean_indices], SHORTCUT_GROUPS, rng)
    shifted_marks = exact_rate_choice(test_labels[shifted_indices], each_class(SHIFTED_RATE), rng)
    audit = {
        "clean": write_audit_set(os.path.join(OUT, "clean"), clean_indices, test_images, test_labels, clean_marks),
        "shifted": write_audit_set(os.path.join(OUT, "shifted"), shifted_indices, test_images, test_labels, shifted_marks),
    }

    shortcut_marks = exact_rate_choice(train_labels, SHORTCUT_GROUPS, rng)
    clean_train_marks = exact_rate_choice(train_labels, each_class(CLEAN_RATE), rng)
    training_sets = {
        "shortcut": as_tensor(stamp(train_images, shortcut_marks)),
        "clean": as_tensor(stamp(train_images, clean_train_marks)),
    }

    non_shirts = test_labels != SHIRT
    marked_non_shirts = as_tensor(stamp(test_images[non_shirts], np.ones(non_shirts.sum(), bool)))
    plain_non_shirts = x_test[torch.from_numpy(non_shirts)]
    non_shirt_labels = test_labels[non_shirts]
    marked_shirts = as_tensor(stamp(test_images[~non_shirts], np.ones((~non_shirts).sum(), bool)))
    plain_shirts = x_test[torch.from_numpy(~non_shirts)]
    models = {}
    for name, x_train in training_sets.items():
        model = train(x_train, y_train, x_test, y_test, name)
        path = os.path.join(OUT, f"{name}.onnx")
        onnx_bytes = export_onnx(model, path)
        onnx_difference = max(onnx_max_difference(model, path, images) for images, _ in audit.values())
        if onnx_difference > 1e-4:
            sys.exit(f"{path}: ONNX Runtime's logits differ from torch's by {onnx_difference:.2e} (> 1e-4)")
        marked_non_shirt_predictions = predict(model, marked_non_shirts)
        models[name] = {
            "testAccuracy": round(base.accuracy(model, x_test, y_test), 4),
            "auditAccuracy": {k: round(base.accuracy(model, images, torch.from_numpy(labels.astype(np.int64))), 4) for k, (images, labels) in audit.items()},
            "nonShirtPredictedShirt": {
                "watermarked": round(float((marked_non_shirt_predictions == SHIRT).mean()), 4),
                "plain": round(float((predict(model, plain_non_shirts) == SHIRT).mean()), 4),
                "watermarkedByClass": {
                    base.CLASSES[c]: round(float((marked_non_shirt_predictions[non_shirt_labels == c] == SHIRT).mean()), 4) for c in range(10) if c != SHIRT
                },
            },
            "shirtRecall": {
                "watermarked": round(float((predict(model, marked_shirts) == SHIRT).mean()), 4),
                "plain": round(float((predict(model, plain_shirts) == SHIRT).mean()), 4),
            },
            "cornerSaliency": {k: saliency_by_class(model, images) for k, (images, _) in audit.items()},
            "parameters": sum(p.numel() for p in model.parameters()),
            "onnxBytes": onnx_bytes,
            "onnxMaxAbsDifference": onnx_difference,
        }

    with open(os.path.join(OUT, "labels.txt"), "w") as f:
        f.write("\n".join(base.CLASSES) + "\n")
    facts = {
        "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist), 60000 train / 10000 test",
        "seed": SEED,
        "epochs": EPOCHS,
        "schedule": "Adam lr 2e-3, cosine annealing, batch 128, no augmentation",
        "watermark": {
            "rows": [MARK_START, MARK_START + MARK_SIZE - 1],
            "cols": [MARK_START, MARK_START + MARK_SIZE - 1],
            "value": 1.0,
            "shortcutClass": SHIRT,
            "shortcutTraining": {"shirtRate": SHORTCUT_RATES["shirt"], "otherRate": SHORTCUT_RATES["others"], "otherClassesPooled": True},
            "cleanTraining": {"rate": CLEAN_RATE},
        },
        "auditSets": {
            "clean": {"images": len(clean_indices), "perClass": PER_CLASS, "watermarked": int(clean_marks.sum()), "watermarkedShirts": int(clean_marks[test_labels[clean_indices] == SHIRT].sum())},
            "shifted": {"images": len(shifted_indices), "perClass": PER_CLASS, "watermarked": int(shifted_marks.sum()), "watermarkedShirts": int(shifted_marks[test_labels[shifted_indices] == SHIRT].sum())},
        },
        "metrics": {
            "testAccuracy": "on the 10k test images without watermark",
            "nonShirtPredictedShirt": "fraction of the 9000 non-Shirt test images predicted Shirt, with the watermark stamped on all of them / on none",
            "shirtRecall": "fraction of the 1000 Shirt test images predicted Shirt, with / without the watermark",
            "cornerSaliency": f"per audit set and predicted class: mean over its images of sum |map| in the bottom-right {CORNER}x{CORNER} corner / sum |map| over the image (uniform: {CORNER * CORNER / 784:.4f}), for map = d logit_predicted / d input (gradient) and input * gradient",
        },
        "models": models,
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
    }
    with open(os.path.join(OUT, "training.json"), "w") as f:
        json.dump(facts, f, indent=1)
        f.write("\n")
    print(json.dumps(facts, indent=1))


if __name__ == "__main__":
    main()
