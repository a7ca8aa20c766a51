import { OptionError } from './errors.js';
import type { Layout } from './model.js';
import type { TensorData } from './tensor.js';

/** Kernel taps reach this many sigmas, as in scipy.ndimage.gaussian_filter. */
const TRUNCATE = 4;

/** A normalised 1-D Gaussian of radius round(4 sigma). */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.floor(TRUNCATE * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp((-0.5 * i * i) / (sigma * sigma));
    kernel[i + radius] = w;
    total += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= total;
  return kernel;
}

/** Spatial axes (height, width) of an image tensor in `layout`. */
function spatialAxes(layout: Layout, rank: number): [number, number] {
  if (rank !== 4 || (layout !== 'NCHW' && layout !== 'NHWC')) {
    throw new OptionError(
      `Blurring needs images (NCHW or NHWC, rank 4); this input is '${layout}' of rank ${rank}. Use 'zero', a number or a tensor instead of a blurred baseline.`,
    );
  }
  return layout === 'NCHW' ? [2, 3] : [1, 2];
}

/**
 * A Gaussian-blurred copy of every image, over its two spatial axes only, with scipy's 'reflect'
 * border (d c b a | a b c d | d c b a), so it matches `gaussian_filter(x, (0, 0, s, s))`.
 */
export function gaussianBlur(images: TensorData, layout: Layout, sigma: number): TensorData {
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new OptionError(`Blur sigma must be a positive number of pixels; got ${sigma}.`);
  const [heightAxis, widthAxis] = spatialAxes(layout, images.shape.length);
  const kernel = gaussianKernel(sigma);
  const once = blurAxis(images.data, images.shape, heightAxis, kernel);
  return { data: blurAxis(once, images.shape, widthAxis, kernel), shape: [...images.shape] };
}

function blurAxis(data: Float32Array, shape: readonly number[], axis: number, kernel: Float64Array): Float32Array {
  const length = shape[axis]!;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  const outer = data.length / (length * inner);
  const radius = (kernel.length - 1) / 2;
  // Source index of every tap, folded back into [0, length) once for all lines.
  const source = new Int32Array(length * kernel.length);
  for (let i = 0; i < length; i++) {
    for (let t = 0; t < kernel.length; t++) source[i * kernel.length + t] = reflect(i + t - radius, length);
  }
  const out = new Float32Array(data.length);
  for (let o = 0; o < outer; o++) {
    const base = o * length * inner;
    for (let j = 0; j < inner; j++) {
      for (let i = 0; i < length; i++) {
        let acc = 0;
        for (let t = 0; t < kernel.length; t++) acc += kernel[t]! * data[base + source[i * kernel.length + t]! * inner + j]!;
        out[base + i * inner + j] = acc;
      }
    }
  }
  return out;
}

/** Half-sample symmetric reflection, periodic with period 2 * length, for any offset. */
function reflect(index: number, length: number): number {
  const period = 2 * length;
  let m = index % period;
  if (m < 0) m += period;
  return m < length ? m : period - 1 - m;
}
