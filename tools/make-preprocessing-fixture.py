"""Makes the fixture of the CLI's torchvision preprocessing parity test.

Run from the repository root:
    /tmp/venv/bin/python tools/make-preprocessing-fixture.py

Writes packages/cli/test/fixtures/preprocessing/:
- photo.png: a non-square RGB image (90x60, smooth gradients plus a few sharp edges);
- rotated.jpg: a 48x64 JPEG whose EXIF orientation is 6 (shown turned 90 degrees clockwise);
- rotated-upright.png: PIL's decoding of rotated.jpg after ImageOps.exif_transpose;
- expected.json + expected.bin: float32 tensors of torchvision's transforms on photo.png. The
  transforms are written out with the calls torchvision makes (its import is broken in this venv
  against torch 2.13: "operator torchvision::nms does not exist"): on tensors Resize is
  torch.nn.functional.interpolate(bilinear, antialias=True), on PIL images Image.resize(BILINEAR);
  the size rules are torchvision's _compute_resized_output_size and CenterCrop's round():
  * float_resize_crop: ToTensor() (C,H,W in [0,1]), then Resize(48, antialias=True) on the float
    tensor (torch's antialiased bilinear), CenterCrop(40): the CLI's arithmetic, no uint8 rounding;
  * pil_imagenet_style: Resize(48) and CenterCrop(40) on the PIL image (uint8 between steps),
    ToTensor(), Normalize(ImageNet mean, std): what a PyTorch user's pipeline feeds;
  * float_resize_up: the float tensor resized to 120 on its shorter side (upscaling);
  * pil_upright_resize_crop: rotated.jpg after exif_transpose, Resize(32), CenterCrop(24), ToTensor().
"""

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps


def resized_size(width, height, size):
    """torchvision Resize(size): the shorter side becomes size, the longer truncated."""
    if width <= height:
        return size, int(size * height / width)
    return int(size * width / height), size


def to_tensor(image):
    """torchvision ToTensor: (C, H, W) float in [0, 1]."""
    return torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1).contiguous()


def resize_tensor(tensor, size):
    width, height = resized_size(tensor.shape[2], tensor.shape[1], size)
    return F.interpolate(tensor[None], size=(height, width), mode="bilinear", align_corners=False, antialias=True)[0]


def crop_tensor(tensor, size):
    top = int(round((tensor.shape[1] - size) / 2.0))
    left = int(round((tensor.shape[2] - size) / 2.0))
    return tensor[:, top : top + size, left : left + size]


def resize_pil(image, size):
    return image.resize(resized_size(image.width, image.height, size), Image.BILINEAR)


def crop_pil(image, size):
    top = int(round((image.height - size) / 2.0))
    left = int(round((image.width - size) / 2.0))
    return image.crop((left, top, left + size, top + size))


def normalize(tensor, mean, std):
    return (tensor - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]


OUT = pathlib.Path(__file__).resolve().parent.parent / "packages/cli/test/fixtures/preprocessing"
OUT.mkdir(parents=True, exist_ok=True)
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]

rng = np.random.default_rng(7)
h, w = 60, 90
y, x = np.mgrid[0:h, 0:w]
photo = np.stack([255 * x / (w - 1), 255 * y / (h - 1), 128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)], axis=-1)
photo[20:35, 30:50] = [250, 20, 30]  # sharp edges, where antialiasing matters
photo += rng.normal(0, 12, photo.shape)
photo = np.clip(np.round(photo), 0, 255).astype(np.uint8)
Image.fromarray(photo).save(OUT / "photo.png")

# A JPEG stored sideways (64 wide, 48 high) with orientation 6: upright it is 48 wide, 64 high.
side = np.zeros((48, 64, 3), np.uint8)
side[:, :, 0] = np.linspace(0, 255, 64)[None, :]
side[:, :, 1] = np.linspace(0, 255, 48)[:, None]
side[4:16, 4:20] = [255, 255, 255]  # a marker near the stored top-left corner
exif = Image.Exif()
exif[0x0112] = 6
Image.fromarray(side).save(OUT / "rotated.jpg", quality=95, exif=exif.tobytes())
upright = ImageOps.exif_transpose(Image.open(OUT / "rotated.jpg")).convert("RGB")
upright.save(OUT / "rotated-upright.png")

pil = Image.open(OUT / "photo.png").convert("RGB")
as_float = to_tensor(pil)
arrays = {
    "float_resize_crop": crop_tensor(resize_tensor(as_float, 48), 40),
    "pil_imagenet_style": normalize(to_tensor(crop_pil(resize_pil(pil, 48), 40)), MEAN, STD),
    "float_resize_up": resize_tensor(as_float, 120),
    "pil_upright_resize_crop": to_tensor(crop_pil(resize_pil(upright, 32), 24)),
}

meta = {"dtype": "float32", "byteOrder": "little", "mean": MEAN, "std": STD, "arrays": {}}
blob = bytearray()
for name, tensor in arrays.items():
    data = tensor.detach().to(torch.float32).contiguous().numpy()
    meta["arrays"][name] = {"offset": len(blob), "shape": list(data.shape)}
    blob += data.astype("<f4").tobytes()
(OUT / "expected.bin").write_bytes(bytes(blob))
(OUT / "expected.json").write_text(json.dumps(meta, indent=1) + "\n")
print({k: list(v.shape) for k, v in arrays.items()}, len(blob), "bytes")
