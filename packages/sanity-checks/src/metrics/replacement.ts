import type { TensorData } from '@salience/core';
import { OptionError, rowSize } from '@salience/core';
import type { InputGrid } from './maps.js';

/** What removed features are replaced with: zeros, a Gaussian-blurred copy, or each channel's mean. */
export type Replacement = 'zero' | 'blur' | 'mean';
export const REPLACEMENTS: readonly Replacement[] = ['zero', 'blur', 'mean'];

/** The default blur: sigma of 1/8 of the larger side (3 pixels for 24x24), at least 1. */
export function defaultBlurSigma(grid: Pick<InputGrid, 'height' | 'width'>): number {
  return Math.max(1, Math.max(grid.height, grid.width) / 8);
}

function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += kernel[i + radius]!;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  return kernel;
}

/** Separable Gaussian blur of one channel (h x w values at `read(p)`), edges repeated. */
function blurChannel(read: (p: number) => number, h: number, w: number, kernel: Float64Array, write: (p: number, v: number) => void): void {
  const radius = (kernel.length - 1) / 2;
  const rows = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -radius; k <= radius; k++) s += kernel[k + radius]! * read(y * w + Math.min(w - 1, Math.max(0, x + k)));
      rows[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -radius; k <= radius; k++) s += kernel[k + radius]! * rows[Math.min(h - 1, Math.max(0, y + k)) * w + x]!;
      write(y * w + x, s);
    }
  }
}

/**
 * The replacement of each example, in the input's own layout: zeros; a Gaussian blur of each
 * channel (sigma `blurSigma` pixels, edges repeated); or each channel's mean over the example.
 * Blur is for images only.
 */
export function replacementOf(input: TensorData, grid: InputGrid, replacement: Replacement, blurSigma?: number): TensorData {
  if (!REPLACEMENTS.includes(replacement)) throw new OptionError(`Unknown replacement '${replacement}'; use ${REPLACEMENTS.map((r) => `'${r}'`).join(', ')}.`);
  const out = new Float32Array(input.data.length);
  if (replacement === 'zero') return { data: out, shape: [...input.shape] };
  const size = rowSize(input);
  const positions = grid.height * grid.width;
  const sigma = blurSigma ?? defaultBlurSigma(grid);
  if (replacement === 'blur') {
    if (grid.layout === 'NC') throw new OptionError("Blur replacement is for images; use 'zero' or 'mean' for feature vectors.");
    if (!(sigma > 0)) throw new OptionError(`blurSigma must be positive; got ${sigma}.`);
  }
  const kernel = replacement === 'blur' ? gaussianKernel(sigma) : undefined;
  for (let e = 0; e < input.shape[0]!; e++) {
    const x = input.data.subarray(e * size, (e + 1) * size);
    const o = out.subarray(e * size, (e + 1) * size);
    for (let c = 0; c < grid.channels; c++) {
      if (kernel) {
        blurChannel(
          (p) => x[grid.offset(p, c)]!,
          grid.height,
          grid.width,
          kernel,
          (p, v) => {
            o[grid.offset(p, c)] = v;
          },
        );
      } else {
        let mean = 0;
        for (let p = 0; p < positions; p++) mean += x[grid.offset(p, c)]!;
        mean /= positions;
        for (let p = 0; p < positions; p++) o[grid.offset(p, c)] = mean;
      }
    }
  }
  return { data: out, shape: [...input.shape] };
}
