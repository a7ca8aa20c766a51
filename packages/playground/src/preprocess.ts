import { OptionError, type TensorData } from '@salience/core';
import { createImage, inputToImage, type RgbaImage, resizeImage } from '@salience/render';
import { type ImageShape, imageToInput } from './image-input.js';

/**
 * How a picture of another size becomes the model's input size:
 * - 'crop': scaled so it covers the input, then the centre cut out (torchvision's Resize + CenterCrop);
 * - 'letterbox': scaled so it fits inside, the rest padded with black;
 * - 'stretch': scaled to the input's width and height, aspect ratio lost.
 */
export type FitMode = 'crop' | 'letterbox' | 'stretch';

export const FIT_MODES: readonly { id: FitMode; title: string }[] = [
  { id: 'crop', title: 'centre crop' },
  { id: 'letterbox', title: 'letterbox (pad with black)' },
  { id: 'stretch', title: 'stretch' },
];

/** Per-channel normalisation the model was trained with: input = (pixel / 255 - mean) / std. */
export interface Normalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export const NORMALIZATION_PRESETS: Readonly<Record<'none' | 'imagenet', Normalization>> = {
  none: { mean: [0], std: [1] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

/** "0.485, 0.456, 0.406" (or one value for every channel) as one number per channel. */
export function parseChannelValues(text: string, channels: number, name: 'mean' | 'std'): number[] {
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  const values = parts.map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new OptionError(`${name} '${text}' is not a list of numbers; write one value, or ${channels} separated by commas.`);
  }
  if (values.length !== 1 && values.length !== channels) {
    throw new OptionError(`${name} has ${values.length} values but the model takes ${channels} channel${channels === 1 ? '' : 's'}; give one value or ${channels}.`);
  }
  if (name === 'std' && values.some((v) => v <= 0)) throw new OptionError(`std values must be above 0; got ${text}.`);
  return values.length === channels ? values : new Array<number>(channels).fill(values[0]!);
}

/** Averages blocks of fx x fy pixels: the antialiasing step before a large downscale. */
function boxShrink(image: RgbaImage, fx: number, fy: number): RgbaImage {
  const width = Math.floor(image.width / fx);
  const height = Math.floor(image.height / fy);
  const out = createImage(width, height);
  const sums = new Float64Array(width * 4);
  const area = fx * fy;
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let dy = 0; dy < fy; dy++) {
      const row = (y * fy + dy) * image.width * 4;
      for (let x = 0; x < width; x++) {
        for (let dx = 0; dx < fx; dx++) {
          const o = row + (x * fx + dx) * 4;
          sums[x * 4]! += image.data[o]!;
          sums[x * 4 + 1]! += image.data[o + 1]!;
          sums[x * 4 + 2]! += image.data[o + 2]!;
          sums[x * 4 + 3]! += image.data[o + 3]!;
        }
      }
    }
    for (let i = 0; i < width * 4; i++) out.data[y * width * 4 + i] = Math.round(sums[i]! / area);
  }
  return out;
}

/** Bilinear resize; shrinking by 2x or more first averages whole blocks, so fine detail does not alias. */
export function resizeAntialiased(image: RgbaImage, width: number, height: number): RgbaImage {
  if (image.width === width && image.height === height) return image;
  const fx = Math.max(1, Math.floor(image.width / width));
  const fy = Math.max(1, Math.floor(image.height / height));
  const shrunk = fx > 1 || fy > 1 ? boxShrink(image, fx, fy) : image;
  return shrunk.width === width && shrunk.height === height ? shrunk : resizeImage(shrunk, width, height, 'bilinear');
}

function cut(image: RgbaImage, left: number, top: number, width: number, height: number): RgbaImage {
  const out = createImage(width, height);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 4;
    out.data.set(image.data.subarray(from, from + width * 4), y * width * 4);
  }
  return out;
}

/** The picture at the model's input size, and a note saying what was done to it. */
export function fitImage(image: RgbaImage, width: number, height: number, fit: FitMode): { image: RgbaImage; note: string } {
  // Height × width, as the CLI and the tensors write sizes.
  const from = `${image.height}×${image.width} (h×w)`;
  const to = `${height}×${width}`;
  if (image.width === width && image.height === height) return { image, note: `${from}, the model's input size: used as is` };
  const sameAspect = image.width * height === image.height * width;
  if (fit === 'stretch' || sameAspect) {
    const how = sameAspect ? 'resized' : 'stretched (aspect ratio changed)';
    return { image: resizeAntialiased(image, width, height), note: `${from} ${how} to ${to}` };
  }
  if (fit === 'crop') {
    // The largest centred region with the input's aspect ratio.
    const scale = Math.min(image.width / width, image.height / height);
    const cw = Math.min(image.width, Math.round(width * scale));
    const ch = Math.min(image.height, Math.round(height * scale));
    const left = Math.floor((image.width - cw) / 2);
    const top = Math.floor((image.height - ch) / 2);
    const resized = cw === width && ch === height ? '' : `, resized to ${to}`;
    return { image: resizeAntialiased(cut(image, left, top, cw, ch), width, height), note: `${from}: centre ${ch}×${cw} cut out${resized}` };
  }
  const scale = Math.min(width / image.width, height / image.height);
  const iw = Math.max(1, Math.round(image.width * scale));
  const ih = Math.max(1, Math.round(image.height * scale));
  const inner = resizeAntialiased(image, iw, ih);
  const out = createImage(width, height, [0, 0, 0, 255]);
  const left = Math.floor((width - iw) / 2);
  const top = Math.floor((height - ih) / 2);
  for (let y = 0; y < ih; y++) out.data.set(inner.data.subarray(y * iw * 4, (y + 1) * iw * 4), ((top + y) * width + left) * 4);
  return { image: out, note: `${from} resized to ${ih}×${iw} and padded with black to ${to} (letterbox)` };
}

export interface Prepared {
  /** The model input, [1, H, W, C] or [1, C, H, W]. */
  readonly input: TensorData;
  /** The picture the model saw, at its input size (gray for a 1-channel model). */
  readonly seen: RgbaImage;
  /** What was done to the picture, in words. */
  readonly note: string;
}

/** A picture as the model's input: fitted to its size, scaled to [0, 1], then normalised with mean and std. */
export function prepareInput(image: RgbaImage, shape: ImageShape, fit: FitMode, normalization: Normalization): Prepared {
  const fitted = fitImage(image, shape.width, shape.height, fit);
  const input = imageToInput(fitted.image, shape, normalization);
  const { mean, std } = normalization;
  const normalized = mean.some((m) => m !== 0) || std.some((s) => s !== 1);
  const note = normalized ? `${fitted.note}; normalised with mean [${mean.join(', ')}] and std [${std.join(', ')}]` : `${fitted.note}; pixels scaled to [0, 1]`;
  const seen = inputToImage(input, shape.layout ?? 'NHWC', { mean: [...mean], std: [...std] });
  return { input, seen, note };
}
