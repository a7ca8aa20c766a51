import type { TensorData } from '@salience/core';
import { type RgbaImage, resizeImage } from '@salience/render';
import { CliError } from '../cli-error.js';

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
}

export function channelCount(order: ChannelOrder): number {
  return order === 'gray' ? 1 : 3;
}

/** The image at the size the model takes (bilinear, pixel centres aligned as PyTorch does). */
export function fitImage(image: RgbaImage, width: number, height: number): RgbaImage {
  return image.width === width && image.height === height ? image : resizeImage(image, width, height, 'bilinear');
}

function perChannel(values: readonly number[], channels: number, what: string): readonly number[] {
  if (values.length === 1) return new Array<number>(channels).fill(values[0]);
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
    p.channels === 'gray' ? [[0.299, 0.587, 0.114]] : p.channels === 'rgb' ? [[1, 0, 0], [0, 1, 0], [0, 0, 1]] : [[0, 0, 1], [0, 1, 0], [1, 0, 0]];
  images.forEach((original, n) => {
    const image = fitImage(original, p.width, p.height);
    const px = image.data;
    for (let i = 0; i < plane; i++) {
      const r = px[i * 4];
      const g = px[i * 4 + 1];
      const b = px[i * 4 + 2];
      for (let c = 0; c < channels; c++) {
        const [wr, wg, wb] = sources[c];
        const byte = wr * r + wg * g + wb * b;
        const value = (lo + byte * scale - mean[c]) / std[c];
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
