import { type Layout, OptionError, ShapeError, type TensorData } from '@salience/core';

export interface SuperpixelOptions {
  /** About how many superpixels; default 50. */
  readonly segments?: number;
  /**
   * Weight of distance in the image plane against distance in colour, per grid step; default 10
   * for values in [0, 1] scaled by 255 (SLIC's usual 10 on 0-255 images). Higher: squarer cells.
   */
  readonly compactness?: number;
  /** k-means iterations; default 10. */
  readonly iterations?: number;
}

/**
 * SLIC superpixels (Achanta et al. 2012) of one image, as a feature mask `[H, W]` of ids
 * 0..n-1: cluster centres start on a regular grid, and each pixel joins the nearest centre within
 * two grid steps by `d² = |colour − c|² + (compactness / step)² |xy − xy_c|²`, for a few k-means
 * iterations. Colours are the image's own channel values times 255 (no Lab conversion, unlike
 * scikit-image's default), and small fragments are not merged: a segment may be split, which a
 * feature mask allows. Ids are renumbered to be consecutive.
 */
export function slicMask(image: TensorData, layout: Layout, options: SuperpixelOptions = {}): TensorData {
  const segments = options.segments ?? 50;
  const compactness = options.compactness ?? 10;
  const iterations = options.iterations ?? 10;
  if (!Number.isInteger(segments) || segments < 1) throw new OptionError(`segments must be a positive integer; got ${segments}.`);
  if (!(compactness > 0) || !Number.isFinite(compactness)) throw new OptionError(`compactness must be a positive number; got ${compactness}.`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new OptionError(`iterations must be a positive integer; got ${iterations}.`);
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new OptionError(`slicMask segments images (layout NCHW or NHWC); got '${layout}'.`);
  const shape = image.shape.length === 4 && image.shape[0] === 1 ? image.shape.slice(1) : image.shape;
  if (shape.length !== 3) throw new ShapeError(`slicMask takes one image [C, H, W] or [H, W, C] (or with a batch of 1); got [${image.shape.join(', ')}].`);
  const [channels, height, width] = layout === 'NCHW' ? shape : [shape[2], shape[0], shape[1]];
  const pixels = height! * width!;
  const colour = (p: number, c: number) => 255 * (layout === 'NCHW' ? image.data[c * pixels + p] : image.data[p * channels! + c])!;

  const step = Math.max(1, Math.sqrt(pixels / segments));
  const rows = Math.max(1, Math.round(height! / step));
  const columns = Math.max(1, Math.round(width! / step));
  const k = rows * columns;
  const centres = new Float64Array(k * (channels! + 2));
  const stride = channels! + 2;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      const y = Math.min(height! - 1, Math.floor(((i + 0.5) * height!) / rows));
      const x = Math.min(width! - 1, Math.floor(((j + 0.5) * width!) / columns));
      const c = (i * columns + j) * stride;
      for (let ch = 0; ch < channels!; ch++) centres[c + ch] = colour(y * width! + x, ch);
      centres[c + channels!] = y;
      centres[c + channels! + 1] = x;
    }
  }
  const label = new Int32Array(pixels);
  const best = new Float64Array(pixels);
  const spatial = (compactness / step) ** 2;
  const reach = Math.ceil(2 * step);
  const sums = new Float64Array(k * stride);
  const counts = new Float64Array(k);
  for (let it = 0; it < iterations; it++) {
    best.fill(Infinity);
    for (let n = 0; n < k; n++) {
      const c = n * stride;
      const cy = centres[c + channels!]!;
      const cx = centres[c + channels! + 1]!;
      for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(height! - 1, Math.ceil(cy + reach)); y++) {
        for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(width! - 1, Math.ceil(cx + reach)); x++) {
          const p = y * width! + x;
          let d = spatial * ((y - cy) ** 2 + (x - cx) ** 2);
          for (let ch = 0; ch < channels!; ch++) d += (colour(p, ch) - centres[c + ch]!) ** 2;
          if (d < best[p]!) {
            best[p] = d;
            label[p] = n;
          }
        }
      }
    }
    sums.fill(0);
    counts.fill(0);
    for (let p = 0; p < pixels; p++) {
      const c = label[p]! * stride;
      for (let ch = 0; ch < channels!; ch++) sums[c + ch]! += colour(p, ch);
      sums[c + channels!]! += Math.floor(p / width!);
      sums[c + channels! + 1]! += p % width!;
      counts[label[p]!]!++;
    }
    for (let n = 0; n < k; n++) if (counts[n]! > 0) for (let v = 0; v < stride; v++) centres[n * stride + v] = sums[n * stride + v]! / counts[n]!;
  }
  // Consecutive ids in order of first appearance.
  const id = new Int32Array(k).fill(-1);
  let next = 0;
  const data = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    if (id[label[p]!]! < 0) id[label[p]!] = next++;
    data[p] = id[label[p]!]!;
  }
  return { data, shape: [height!, width!] };
}
