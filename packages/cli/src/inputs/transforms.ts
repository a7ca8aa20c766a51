import type { RgbaImage } from '@salience/render';

/**
 * torchvision's image transforms on float planes: resize of the shorter side, centre crop and
 * antialiased bilinear resampling (PIL's `Image.resize(..., BILINEAR)` and torchvision's
 * `Resize(antialias=True)` on tensors: a triangle filter widened by the scale when shrinking).
 */

/** Planar float pixels `[channels, height, width]`. */
export interface Planes {
  readonly data: Float32Array;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** torchvision `Resize(size)` with one number: the shorter side becomes `size`, the longer keeps the aspect (truncated, as torchvision does). */
export function shorterSideSize(width: number, height: number, size: number): [width: number, height: number] {
  if (width <= height) return [size, Math.trunc((size * height) / width)];
  return [Math.trunc((size * width) / height), size];
}

/** Python's round(): halves go to the even neighbour (torchvision's CenterCrop uses it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision `CenterCrop`: the top-left corner of a `cropWidth x cropHeight` box centred in the image. */
export function centerCropOrigin(width: number, height: number, cropWidth: number, cropHeight: number): [top: number, left: number] {
  return [roundHalfEven((height - cropHeight) / 2), roundHalfEven((width - cropWidth) / 2)];
}

/** Per output index: the first source index and the normalised triangle weights (PIL's precompute_coeffs). */
function coefficients(inSize: number, outSize: number): { start: Int32Array; count: Int32Array; weights: Float64Array; stride: number } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the bilinear (triangle) filter reaches 1 source pixel, widened when shrinking
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - lo;
    let total = 0;
    for (let j = 0; j < n; j++) {
      const w = Math.max(0, 1 - Math.abs((j + lo - center + 0.5) / filterScale));
      weights[i * stride + j] = w;
      total += w;
    }
    if (total !== 0) for (let j = 0; j < n; j++) weights[i * stride + j]! /= total;
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

/** Antialiased bilinear resize of every plane to `width x height` (rows first, then columns). */
export function resizeAntialiased(planes: Planes, width: number, height: number): Planes {
  const { channels, height: h, width: w } = planes;
  if (width === w && height === h) return planes;
  const cx = coefficients(w, width);
  const cy = coefficients(h, height);
  const horizontal = new Float32Array(channels * h * width);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      const row = (c * h + y) * w;
      const outRow = (c * h + y) * width;
      for (let x = 0; x < width; x++) {
        let sum = 0;
        const base = x * cx.stride;
        for (let j = 0; j < cx.count[x]!; j++) sum += cx.weights[base + j]! * planes.data[row + cx.start[x]! + j]!;
        horizontal[outRow + x] = sum;
      }
    }
  }
  const out = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const base = y * cy.stride;
      const outRow = (c * height + y) * width;
      for (let j = 0; j < cy.count[y]!; j++) {
        const weight = cy.weights[base + j]!;
        const source = (c * h + cy.start[y]! + j) * width;
        for (let x = 0; x < width; x++) out[outRow + x]! += weight * horizontal[source + x]!;
      }
    }
  }
  return { data: out, channels, height, width };
}

/** The `width x height` box of every plane whose top-left corner is (`top`, `left`). */
export function cropPlanes(planes: Planes, top: number, left: number, width: number, height: number): Planes {
  const { channels, height: h, width: w } = planes;
  if (top < 0 || left < 0 || top + height > h || left + width > w) {
    throw new RangeError(`The crop ${height}x${width} at top ${top}, left ${left} does not fit in the ${h}x${w} image (height x width).`);
  }
  const out = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) out.set(planes.data.subarray((c * h + top + y) * w + left, (c * h + top + y) * w + left + width), (c * height + y) * width);
  }
  return { data: out, channels, height, width };
}

/** The RGB bytes of an image as float planes in [0, 255]. */
export function rgbPlanes(image: RgbaImage): Planes {
  const plane = image.width * image.height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) data[c * plane + i] = image.data[i * 4 + c]!;
  return { data, channels: 3, height: image.height, width: image.width };
}

/** RGB planes in [0, 255] back to an opaque image (rounded), e.g. to show what the model saw. */
export function planesToImage(planes: Planes): RgbaImage {
  const plane = planes.width * planes.height;
  const data = new Uint8ClampedArray(4 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round(planes.data[c * plane + i]!);
    data[i * 4 + 3] = 255;
  }
  return { width: planes.width, height: planes.height, data };
}

/**
 * torchvision's `Resize(resize)` (shorter side, antialiased) then `CenterCrop(crop)` on an
 * image's RGB values in [0, 255]; either step may be left out.
 */
export function resizeAndCrop(image: RgbaImage, steps: { readonly resize?: number; readonly crop?: readonly [width: number, height: number] }): Planes {
  let planes = rgbPlanes(image);
  if (steps.resize !== undefined) {
    const [w, h] = shorterSideSize(planes.width, planes.height, steps.resize);
    planes = resizeAntialiased(planes, w, h);
  }
  if (steps.crop !== undefined) {
    const [cw, ch] = steps.crop;
    if (cw > planes.width || ch > planes.height) {
      // torchvision would pad with zeros; a black border in an explanation misleads, so it is refused.
      throw new RangeError(`The crop ${ch}x${cw} is larger than the resized image (${planes.height}x${planes.width}, height x width); resize to at least the crop size.`);
    }
    const [top, left] = centerCropOrigin(planes.width, planes.height, cw, ch);
    planes = cropPlanes(planes, top, left, cw, ch);
  }
  return planes;
}
