import { describe, expect, it } from 'vitest';
import { gaussianBlur, gaussianKernel } from './blur.js';
import { OptionError } from './errors.js';
import type { TensorData } from './tensor.js';

function nchwToNhwc(t: TensorData): TensorData {
  const [b, c, h, w] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let n = 0; n < b; n++)
    for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((n * h + y) * w + x) * c + k] = t.data[((n * c + k) * h + y) * w + x]!;
  return { data: out, shape: [b, h, w, c] };
}

const images = {
  data: Float32Array.from({ length: 40 }, (_, i) => Math.sin(i * 0.7) + (i % 3)),
  shape: [1, 2, 5, 4],
};

// scipy.ndimage.gaussian_filter(x, (0, 0, 1.2, 1.2)) on the same [1, 2, 5, 4] array (mode 'reflect', truncate 4).
const scipySigma12 = [
  0.9649553, 1.1525459, 1.2108802, 1.1040793, 1.0085267, 1.0702336, 1.0820784, 1.0411346, 0.9891837, 1.002151, 1.0185361, 1.0288445, 0.8649385, 0.920229, 0.9531212, 0.9535098,
  0.7244695, 0.8250008, 0.8805195, 0.892218, 1.2966546, 1.183358, 1.1235154, 1.1203469, 1.0921951, 1.0646364, 1.0417408, 1.0238154, 1.0302655, 1.0303553, 1.0265814, 1.0210393,
  0.985354, 1.0449761, 1.1130513, 1.1368867, 0.9013036, 1.0924445, 1.2607184, 1.276444,
];
// The same with sigma 3: the kernel (radius 12) folds back over the 4 x 5 image several times.
const scipySigma3Start = [1.0090462, 1.0115473, 1.0150772, 1.0175633, 0.9979604, 1.0005064, 1.0041013, 1.0066332];

describe('gaussianBlur', () => {
  it('has a normalised kernel of radius round(4 sigma)', () => {
    const k = gaussianKernel(1.2);
    expect(k.length).toBe(2 * 5 + 1);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(k[5]).toBeGreaterThan(k[4]!);
  });

  it('matches scipy.ndimage.gaussian_filter over the spatial axes of NCHW images', () => {
    const blurred = gaussianBlur(images, 'NCHW', 1.2);
    expect(blurred.shape).toEqual([1, 2, 5, 4]);
    scipySigma12.forEach((v, i) => {
      expect(blurred.data[i]).toBeCloseTo(v, 6);
    });
    const wide = gaussianBlur(images, 'NCHW', 3);
    scipySigma3Start.forEach((v, i) => {
      expect(wide.data[i]).toBeCloseTo(v, 6);
    });
  });

  it('blurs NHWC images over their spatial axes, not the channels', () => {
    const nhwc = gaussianBlur(nchwToNhwc(images), 'NHWC', 1.2);
    const expected = nchwToNhwc({ data: Float32Array.from(scipySigma12), shape: [1, 2, 5, 4] });
    expected.data.forEach((v, i) => {
      expect(nhwc.data[i]).toBeCloseTo(v, 6);
    });
  });

  it('leaves a constant image unchanged and the input untouched', () => {
    const constant = { data: new Float32Array(2 * 3 * 3 * 1).fill(0.7), shape: [2, 3, 3, 1] };
    const before = Float32Array.from(images.data);
    gaussianBlur(constant, 'NHWC', 2).data.forEach((v) => {
      expect(v).toBeCloseTo(0.7, 6);
    });
    gaussianBlur(images, 'NCHW', 2);
    expect(images.data).toEqual(before);
  });

  it('refuses feature vectors and sigmas that are not positive', () => {
    expect(() => gaussianBlur({ data: new Float32Array(8), shape: [2, 4] }, 'NC', 1)).toThrow(OptionError);
    for (const sigma of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => gaussianBlur(images, 'NCHW', sigma)).toThrow(OptionError);
  });
});
