#!/usr/bin/env python3
"""Trains the built-in model of `salience explain`: a small CNN on Fashion-MNIST.

Writes into packages/cli/builtin/ (or the folder given as the first argument):
  model.json + weights.bin   a tfjs LayersModel (NHWC input [B, 28, 28, 1], values in [0, 1])
  model.onnx                 the same network for ONNX Runtime (NCHW input [B, 1, 28, 28], output `logits`)
  labels.txt                 the ten class names, one per line
  samples/*.png + samples.json   a dozen test images (28x28 gray PNG) with their labels and torch's logits
  training.json              test accuracy, epochs, seed and parameter count

The data comes from Debian's package (no download at run time):
  sudo apt-get install dataset-fashion-mnist     # files in /usr/share/datasets/fashion-mnist/
Python needs torch (CPU is enough) and onnx:
  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch onnx onnxscript
  /tmp/venv/bin/python tools/train-fashion-mnist.py

Neither the library nor its tests run Python: the outputs are committed. Training takes a few
minutes on two CPU cores.
"""

import gzip
import json
import os
import struct
import sys
import zlib

import numpy as np
import torch
from torch import nn

DATA = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "packages", "cli", "builtin")
EPOCHS = int(os.environ.get("EPOCHS", "10"))
SEED = 0
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(name):
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or set FASHION_MNIST_DIR.")
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


class SmallCnn(nn.Module):
    """conv 16 -> pool -> conv 32 -> pool -> conv 32 (Grad-CAM layer, 7x7) -> pool -> dense 64 -> dense 10.

    Average pooling rather than max pooling: tfjs's wasm backend computes MaxPoolGrad about four
    times slower than the rest of the backward pass, and every gradient method goes through it.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 3 * 3, 64)
        self.fc2 = nn.Linear(64, 10)
        self.pool = nn.AvgPool2d(2)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = self.pool(self.relu(self.conv3(x)))
        x = self.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


def accuracy(model, images, labels):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(images), 1000):
            logits = model(images[start : start + 1000])
            correct += (logits.argmax(1) == labels[start : start + 1000]).sum().item()
    return correct / len(images)


def train():
    torch.manual_seed(SEED)
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    x_train = torch.from_numpy(read_idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    y_train = torch.from_numpy(read_idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = torch.from_numpy(read_idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    y_test = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    model = SmallCnn()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        for start in range(0, len(order), 128):
            batch = order[start : start + 128]
            images = x_train[batch]
            # Random horizontal flips: clothes are (mostly) symmetric, and it helps a small net generalise.
            flip = torch.rand(len(batch), generator=generator) < 0.5
            images = torch.where(flip[:, None, None, None], images.flip(3), images)
            optimiser.zero_grad()
            loss = loss_fn(model(images), y_train[batch])
            loss.backward()
            optimiser.step()
        schedule.step()
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {loss.item():.4f}, test accuracy {accuracy(model, x_test, y_test):.4f}", flush=True)
    return model, x_test, y_test


def tfjs_weights(model):
    """Weights in tfjs-layers order and layout: conv HWIO, dense [in, out], the first dense row order H, W, C."""
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    fc1 = sd["fc1.weight"].reshape(64, 32, 3, 3).transpose(2, 3, 1, 0).reshape(288, 64)  # torch flattens C,H,W
    return [
        ("conv1/kernel", sd["conv1.weight"].transpose(2, 3, 1, 0)),
        ("conv1/bias", sd["conv1.bias"]),
        ("conv2/kernel", sd["conv2.weight"].transpose(2, 3, 1, 0)),
        ("conv2/bias", sd["conv2.bias"]),
        ("conv3/kernel", sd["conv3.weight"].transpose(2, 3, 1, 0)),
        ("conv3/bias", sd["conv3.bias"]),
        ("fc1/kernel", fc1),
        ("fc1/bias", sd["fc1.bias"]),
        ("logits/kernel", sd["fc2.weight"].T),
        ("logits/bias", sd["fc2.bias"]),
    ]


def layer(class_name, name, **config):
    return {"class_name": class_name, "config": {"name": name, "trainable": True, "dtype": "float32", **config}}


def conv(name, filters, first=False):
    extra = {"batch_input_shape": [None, 28, 28, 1]} if first else {}
    return layer(
        "Conv2D", name, filters=filters, kernel_size=[3, 3], strides=[1, 1], padding="same", data_format="channels_last",
        dilation_rate=[1, 1], activation="relu", use_bias=True,
        kernel_initializer={"class_name": "GlorotUniform", "config": {"seed": None}},
        bias_initializer={"class_name": "Zeros", "config": {}}, **extra,
    )


def pool(name):
    return layer("AveragePooling2D", name, pool_size=[2, 2], strides=[2, 2], padding="valid", data_format="channels_last")


def dense(name, units, activation):
    return layer(
        "Dense", name, units=units, activation=activation, use_bias=True,
        kernel_initializer={"class_name": "GlorotUniform", "config": {"seed": None}},
        bias_initializer={"class_name": "Zeros", "config": {}},
    )


def write_tfjs(model, out):
    weights = tfjs_weights(model)
    topology = {
        "class_name": "Sequential",
        "config": {
            "name": "fashion_mnist_cnn",
            "layers": [
                conv("conv1", 16, first=True), pool("pool1"), conv("conv2", 32), pool("pool2"), conv("conv3", 32), pool("pool3"),
                layer("Flatten", "flatten", data_format="channels_last"), dense("fc1", 64, "relu"), dense("logits", 10, "linear"),
            ],
        },
        "keras_version": "tfjs-layers 4.22.0",
        "backend": "tensor_flow.js",
    }
    blob = b"".join(np.ascontiguousarray(w, dtype="<f4").tobytes() for _, w in weights)
    with open(os.path.join(out, "weights.bin"), "wb") as f:
        f.write(blob)
    manifest = {
        "format": "layers-model",
        "generatedBy": "tools/train-fashion-mnist.py",
        "convertedBy": None,
        "modelTopology": topology,
        "weightsManifest": [{"paths": ["weights.bin"], "weights": [{"name": n, "shape": list(w.shape), "dtype": "float32"} for n, w in weights]}],
    }
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return len(blob)


def write_onnx(model, out):
    model.eval()
    example = torch.zeros(1, 1, 28, 28)
    path = os.path.join(out, "model.onnx")
    torch.onnx.export(
        model, example, path, input_names=["input"], output_names=["logits"], opset_version=17,
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False,
    )
    return os.path.getsize(path)


def png_gray(pixels):
    """An 8-bit grayscale PNG, written by hand to need nothing beyond the standard library."""
    height, width = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].astype(np.uint8).tobytes() for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def write_samples(model, out):
    images = read_idx("t10k-images-idx3-ubyte.gz")
    labels = read_idx("t10k-labels-idx1-ubyte.gz")
    # The first test image of each class, then the second shirt and pullover (the hardest classes): a dozen.
    chosen = [int(np.argmax(labels == c)) for c in range(10)]
    chosen += [int(np.flatnonzero(labels == c)[1]) for c in (6, 2)]
    folder = os.path.join(out, "samples")
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(images[chosen].astype(np.float32) / 255).unsqueeze(1)).numpy()
    samples = []
    for k, index in enumerate(chosen):
        label = int(labels[index])
        slug = CLASSES[label].lower().replace("/", "-").replace(" ", "-")
        file = f"{k:02d}-{slug}.png"
        with open(os.path.join(folder, file), "wb") as f:
            f.write(png_gray(images[index]))
        samples.append({"file": f"samples/{file}", "label": label, "testIndex": index, "torchLogits": [round(float(v), 6) for v in logits[k]]})
    with open(os.path.join(out, "samples.json"), "w") as f:
        json.dump(samples, f, indent=1)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    model, x_test, y_test = train()
    test_accuracy = accuracy(model, x_test, y_test)
    weight_bytes = write_tfjs(model, OUT)
    onnx_bytes = write_onnx(model, OUT)
    write_samples(model, OUT)
    with open(os.path.join(OUT, "labels.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")
    facts = {
        "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist), 60000 train / 10000 test",
        "testAccuracy": round(test_accuracy, 4),
        "epochs": EPOCHS,
        "seed": SEED,
        "parameters": sum(p.numel() for p in model.parameters()),
        "weightsBytes": weight_bytes,
        "onnxBytes": onnx_bytes,
        "torch": torch.__version__,
    }
    with open(os.path.join(OUT, "training.json"), "w") as f:
        json.dump(facts, f, indent=1)
        f.write("\n")
    print(json.dumps(facts, indent=1))


if __name__ == "__main__":
    main()
