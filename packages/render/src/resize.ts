import { OptionError, ShapeError, type TensorData } from '@salience/core';
import { assertImage, type RgbaImage } from './image.js';
import { mapSize } from './map2d.js';

/**
 * 'nearest' copies the source pixel whose index is floor(dst * in / out); 'bilinear' samples at
 * pixel centres (align_corners = false). Both follow PyTorch's `interpolate`, so resized maps
 * agree with Captum's `LayerAttribution.interpolate`.
 */
export type ResizeMode = 'nearest' | 'bilinear';

/** A 2D map resized to [height, width]. */
export function resizeMap(map: TensorData, width: number, height: number, mode: ResizeMode = 'bilinear'): TensorData {
  const source = mapSize(map);
  checkTargetSize(width, height);
  const out = new Float32Array(width * height);
  resample(map.data, source.width, source.height, 1, out, width, height, mode);
  return { data: out, shape: [height, width] };
}

/** An RGBA image resized to width x height (nearest by default: crisp pixels for small inputs). */
export function resizeImage(image: RgbaImage, width: number, height: number, mode: ResizeMode = 'nearest'): RgbaImage {
  assertImage(image);
  checkTargetSize(width, height);
  const out = new Uint8ClampedArray(width * height * 4);
  resample(image.data, image.width, image.height, 4, out, width, height, mode);
  return { width, height, data: out };
}

function checkTargetSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ShapeError(`Resize target must be positive integers; got ${width} x ${height}.`);
  }
}

/** Resamples interleaved `channels`-value pixels from `src` (w x h) into `dst` (outW x outH). */
function resample(
  src: ArrayLike<number>,
  w: number,
  h: number,
  channels: number,
  dst: { [i: number]: number; length: number },
  outW: number,
  outH: number,
  mode: ResizeMode,
): void {
  if (w === 0 || h === 0) throw new ShapeError('Cannot resize an empty map or image.');
  const scaleX = w / outW;
  const scaleY = h / outH;
  if (mode === 'nearest') {
    for (let y = 0; y < outH; y++) {
      const sy = Math.min(h - 1, Math.floor(y * scaleY));
      for (let x = 0; x < outW; x++) {
        const sx = Math.min(w - 1, Math.floor(x * scaleX));
        const s = (sy * w + sx) * channels;
        const d = (y * outW + x) * channels;
        for (let c = 0; c < channels; c++) dst[d + c] = src[s + c]!;
      }
    }
    return;
  }
  if (mode !== 'bilinear') throw new OptionError(`Unknown resize mode '${mode as string}'; use 'nearest' or 'bilinear'.`);
  const xs = bilinearTaps(w, outW, scaleX);
  for (let y = 0; y < outH; y++) {
    const sy = Math.max(0, (y + 0.5) * scaleY - 0.5);
    const y0 = Math.min(h - 1, Math.floor(sy));
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const x0 = xs.lo[x]!;
      const x1 = xs.hi[x]!;
      const fx = xs.frac[x]!;
      const d = (y * outW + x) * channels;
      for (let c = 0; c < channels; c++) {
        const top = src[(y0 * w + x0) * channels + c]! * (1 - fx) + src[(y0 * w + x1) * channels + c]! * fx;
        const bottom = src[(y1 * w + x0) * channels + c]! * (1 - fx) + src[(y1 * w + x1) * channels + c]! * fx;
        dst[d + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
}

function bilinearTaps(size: number, outSize: number, scale: number) {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let x = 0; x < outSize; x++) {
    const s = Math.max(0, (x + 0.5) * scale - 0.5);
    lo[x] = Math.min(size - 1, Math.floor(s));
    hi[x] = Math.min(size - 1, lo[x]! + 1);
    frac[x] = s - lo[x]!;
  }
  return { lo, hi, frac };
}
