/** Wang et al. (2004): K1, K2, an 11x11 Gaussian window of sigma 1.5. */
export const SSIM_K1 = 0.01;
export const SSIM_K2 = 0.03;
export const SSIM_WINDOW = 11;
export const SSIM_SIGMA = 1.5;

function gaussianWindow(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    w[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    sum += w[i]!;
  }
  for (let i = 0; i < size; i++) w[i]! /= sum;
  return w;
}

/** 'valid' separable filtering of an h x w image: (h - k + 1) x (w - k + 1) outputs. */
function filterValid(image: Float64Array, h: number, w: number, window: Float64Array): Float64Array {
  const k = window.length;
  const oh = h - k + 1;
  const ow = w - k + 1;
  const rows = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += window[i]! * image[y * w + x + i]!;
      rows[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += window[i]! * rows[(y + i) * ow + x]!;
      out[y * ow + x] = s;
    }
  }
  return out;
}

/**
 * Mean structural similarity of two h x w maps (Wang, Bovik, Sheikh & Simoncelli 2004): Gaussian
 * window of 11 pixels with sigma 1.5, K1 = 0.01, K2 = 0.03, local statistics over the window
 * positions that fit inside the map (the reference MATLAB code's 'valid' filtering), averaged.
 * Maps smaller than the window use the largest odd window that fits, with sigma scaled alike.
 * `range` is the dynamic range L of the values (1 for maps scaled to [0, 1]).
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number, range = 1): number {
  if (a.length !== height * width || b.length !== height * width) throw new RangeError(`SSIM needs two maps of ${height} x ${width} values.`);
  const fit = Math.min(SSIM_WINDOW, height, width);
  const size = fit % 2 === 1 ? fit : fit - 1;
  const window = gaussianWindow(size, (SSIM_SIGMA * size) / SSIM_WINDOW);
  const n = height * width;
  const x = Float64Array.from(a);
  const y = Float64Array.from(b);
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i]! * x[i]!;
    yy[i] = y[i]! * y[i]!;
    xy[i] = x[i]! * y[i]!;
  }
  const [mx, my, sxx, syy, sxy] = [x, y, xx, yy, xy].map((m) => filterValid(m, height, width, window)) as [
    Float64Array<ArrayBufferLike>,
    Float64Array<ArrayBufferLike>,
    Float64Array<ArrayBufferLike>,
    Float64Array<ArrayBufferLike>,
    Float64Array<ArrayBufferLike>,
  ];
  const c1 = (SSIM_K1 * range) ** 2;
  const c2 = (SSIM_K2 * range) ** 2;
  let total = 0;
  for (let i = 0; i < mx.length; i++) {
    const varX = sxx[i]! - mx[i]! * mx[i]!;
    const varY = syy[i]! - my[i]! * my[i]!;
    const cov = sxy[i]! - mx[i]! * my[i]!;
    total += ((2 * mx[i]! * my[i]! + c1) * (2 * cov + c2)) / ((mx[i]! * mx[i]! + my[i]! * my[i]! + c1) * (varX + varY + c2));
  }
  return total / mx.length;
}
