import type { TensorData } from '@salience/core';
import { type RgbaImage, resizeImage } from '@salience/render';
import { CliError } from '../cli-error.js';
import { type Planes, planesToImage, resizeAndCrop, rgbPlanes } from './transforms.js';

/** How the channels of an image are fed: RGB, BGR (Caffe-style models), or one gray channel. */
export type ChannelOrder = 'rgb' | 'bgr' | 'gray';

export const CHANNEL_ORDERS: readonly ChannelOrder[] = ['rgb', 'bgr', 'gray'];

export type ImageLayout = 'NCHW' | 'NHWC';

/** From 8-bit pixels to model input: resize, scale to `range`, then (v - mean) / std per channel. */
export interface Preprocessing {
  readonly width: number;
  readonly height: number;
  readonly channels: ChannelOrder;
  readonly layout: ImageLayout;
  /** Pixel 0 maps to range[0], 255 to range[1]; default [0, 1]. */
  readonly range: readonly [number, number];
  /** One value, or one per channel (in the fed channel order), applied after `range`. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /**
   * torchvision's `Resize(n)`: the shorter side becomes n (antialiased bilinear), then `crop`
   * (`CenterCrop`) gives `height x width`. Without either, images are resized to `height x width`.
   */
  readonly resizeShorter?: number;
  readonly crop?: boolean;
  /** The preset the values came from, if any ('imagenet'). */
  readonly preset?: string;
}

/** Named preprocessing, as the model zoos train: `imagenet` is torchvision's Resize(256), CenterCrop(224), ImageNet mean/std. */
export const PRESETS = {
  imagenet: { resizeShorter: 256, crop: [224, 224] as const, range: [0, 1] as const, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
} as const;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES: readonly PresetName[] = Object.keys(PRESETS) as PresetName[];

/** Antialiased shorter-side resize and centre crop when asked, else null (the plain resize applies). */
function torchvisionSteps(p: Preprocessing): { resize?: number; crop?: [number, number] } | null {
  if (p.resizeShorter === undefined && !p.crop) return null;
  return { resize: p.resizeShorter, crop: p.crop ? [p.width, p.height] : undefined };
}

/** The image's RGB values in [0, 255] as the model sees them, unrounded, at `width x height`. */
function seenPlanes(image: RgbaImage, p: Preprocessing): Planes {
  const steps = torchvisionSteps(p);
  if (!steps) return rgbPlanes(fitImage(image, p.width, p.height));
  const planes = resizeAndCrop(image, steps);
  return planes.width === p.width && planes.height === p.height ? planes : rgbPlanes(fitImage(planesToImage(planes), p.width, p.height));
}

/** The image as the model sees it (before the channel order and normalisation): maps are drawn over it. */
export function modelImage(image: RgbaImage, p: Preprocessing): RgbaImage {
  return torchvisionSteps(p) ? planesToImage(seenPlanes(image, p)) : fitImage(image, p.width, p.height);
}

/** What was done to the images, in words, for the report. */
export function describePreprocessing(p: Preprocessing, sizes: readonly { readonly width: number; readonly height: number }[]): string {
  const steps: string[] = [];
  if (p.resizeShorter !== undefined) steps.push(`shorter side resized to ${p.resizeShorter} (antialiased bilinear)`);
  if (p.crop) steps.push(`centre crop ${p.height}x${p.width} (height x width)`);
  if (steps.length === 0) {
    const stretched = sizes.filter((s) => s.width !== p.width || s.height !== p.height);
    const aspect = sizes.filter((s) => Math.abs(s.width / s.height - p.width / p.height) > 0.01).length;
    steps.push(
      stretched.length === 0
        ? `taken as they are (${p.height}x${p.width}, height x width)`
        : `resized to ${p.height}x${p.width} (height x width, bilinear)${aspect > 0 ? `, ${aspect} of ${sizes.length} stretched to that aspect ratio` : ''}`,
    );
  }
  const [lo, hi] = p.range;
  steps.push(`pixels 0..255 to ${lo}..${hi}`);
  if (p.mean.some((m) => m !== 0) || p.std.some((s) => s !== 1)) steps.push(`minus mean ${p.mean.join(',')}, divided by std ${p.std.join(',')}`);
  return `${p.preset ? `${p.preset} preset: ` : ''}${steps.join('; ')}`;
}

export function channelCount(order: ChannelOrder): number {
  return order === 'gray' ? 1 : 3;
}

/** The image at the size the model takes (bilinear, pixel centres aligned as PyTorch does). */
export function fitImage(image: RgbaImage, width: number, height: number): RgbaImage {
  return image.width === width && image.height === height ? image : resizeImage(image, width, height, 'bilinear');
}

function perChannel(values: readonly number[], channels: number, what: string): readonly number[] {
  if (values.length === 1) return new Array<number>(channels).fill(values[0]!);
  if (values.length !== channels) {
    throw new CliError('usage', `--${what} has ${values.length} values but the model takes ${channels} channel(s); give ${channels === 1 ? '1' : `1 or ${channels}`}.`);
  }
  return values;
}

/** Images as one batch [N, C, H, W] or [N, H, W, C] of float32. */
export function imagesToTensor(images: readonly RgbaImage[], p: Preprocessing): TensorData {
  const channels = channelCount(p.channels);
  const mean = perChannel(p.mean, channels, 'mean');
  const std = perChannel(p.std, channels, 'std');
  if (std.some((s) => !(s !== 0 && Number.isFinite(s)))) throw new CliError('usage', `--std values must be finite and non-zero; got ${std.join(', ')}.`);
  const [lo, hi] = p.range;
  const scale = (hi - lo) / 255;
  const plane = p.width * p.height;
  const out = new Float32Array(images.length * plane * channels);
  // Per fed channel: which RGBA bytes it reads (gray mixes R, G, B with ITU-R 601 weights, like PIL's 'L').
  const sources: readonly (readonly [number, number, number])[] =
    p.channels === 'gray'
      ? [[0.299, 0.587, 0.114]]
      : p.channels === 'rgb'
        ? [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
          ]
        : [
            [0, 0, 1],
            [0, 1, 0],
            [1, 0, 0],
          ];
  images.forEach((original, n) => {
    let seen: Planes;
    try {
      seen = seenPlanes(original, p);
    } catch (error) {
      throw new CliError('usage', `${(error as Error).message} (--resize-shorter and --crop, or --preset).`);
    }
    const px = seen.data;
    for (let i = 0; i < plane; i++) {
      const r = px[i]!;
      const g = px[plane + i]!;
      const b = px[2 * plane + i]!;
      for (let c = 0; c < channels; c++) {
        const [wr, wg, wb] = sources[c]!;
        const byte = wr * r + wg * g + wb * b;
        const value = (lo + byte * scale - mean[c]!) / std[c]!;
        const index = p.layout === 'NCHW' ? (n * channels + c) * plane + i : (n * plane + i) * channels + c;
        out[index] = value;
      }
    }
  });
  return {
    data: out,
    shape: p.layout === 'NCHW' ? [images.length, channels, p.height, p.width] : [images.length, p.height, p.width, channels],
  };
}
