#!/usr/bin/env python3
"""Writes the .npy files that the tests of packages/npy (and the CLI's row reader) read: NumPy's own
writer, every dtype and order the reader accepts. Run from the repository root: python3 tools/make-npy-fixtures.py (needs numpy)."""

import os

import numpy as np
from numpy.lib import format as npy_format

OUT = os.path.join(os.path.dirname(__file__), "..", "packages", "npy", "test", "fixtures", "npy")
os.makedirs(OUT, exist_ok=True)
a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8 - 1
np.save(os.path.join(OUT, "f4.npy"), a)
np.save(os.path.join(OUT, "f8.npy"), a.astype(np.float64))
np.save(os.path.join(OUT, "f8-big-endian.npy"), a.astype(">f8"))
np.save(os.path.join(OUT, "i8.npy"), (a * 8).astype(np.int64))
np.save(os.path.join(OUT, "u1.npy"), np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
np.save(os.path.join(OUT, "bool.npy"), np.arange(6).reshape(2, 3) % 2 == 0)
np.save(os.path.join(OUT, "fortran.npy"), np.asfortranarray(a))
np.save(os.path.join(OUT, "f2.npy"), a.astype(np.float16))
np.save(os.path.join(OUT, "scalar-vector.npy"), np.array([1.5, -2.0], dtype=np.float32))
with open(os.path.join(OUT, "v2.npy"), "wb") as f:
    npy_format.write_array(f, a, version=(2, 0))
