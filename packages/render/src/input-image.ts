import { OptionError, ShapeError, type TensorData } from '@salience/core';
import type { DisplayLayout } from './display-map.js';
import type { RgbaImage } from './image.js';

export interface InputImageOptions {
  /** Which row of the batch; default 0. */
  readonly example?: number;
  /** The normalisation the model input went through, undone here: pixel = v * std + mean (per channel or one for all). */
  readonly mean?: number | readonly number[];
  readonly std?: number | readonly number[];
  /** The value range (after undoing mean/std) shown as 0..255; default [0, 1]. Use [0, 255] for raw bytes. */
  readonly range?: readonly [number, number];
}

/**
 * One example of a model input ([N,C,H,W], [N,H,W,C] or [N,H,W]) as an opaque RGBA image:
 * 1 channel is drawn as gray, 3 as RGB, 4 as RGBA. Values outside the range are clipped.
 */
export function inputToImage(input: TensorData, layout: DisplayLayout, options: InputImageOptions = {}): RgbaImage {
  const { example = 0, range = [0, 1] } = options;
  const { rows, channels, height, width, channelStride, pixelStride } = geometry(input, layout);
  if (!Number.isInteger(example) || example < 0 || example >= rows!) {
    throw new OptionError(`example must be an integer row in [0, ${rows}); got ${example}.`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new ShapeError(`An input image needs 1, 3 or 4 channels; this one has ${channels}. Pick the channels to show first.`);
  }
  const mean = perChannel(options.mean ?? 0, channels, 'mean');
  const std = perChannel(options.std ?? 1, channels, 'std');
  const [lo, hi] = range;
  if (!(hi > lo)) throw new OptionError(`range must be [low, high] with high > low; got [${range.join(', ')}].`);
  const scale = 255 / (hi - lo);
  const base = example * channels * height! * width!;
  const out = new Uint8ClampedArray(width! * height! * 4);
  const src = input.data;
  for (let p = 0; p < width! * height!; p++) {
    const o = p * 4;
    for (let c = 0; c < channels; c++) {
      const v = src[base + p * pixelStride! + c * channelStride]!;
      out[o + c] = Math.round((v * std[c]! + mean[c]! - lo) * scale);
    }
    if (channels === 1) out[o + 1] = out[o + 2] = out[o]!;
    if (channels !== 4) out[o + 3] = 255;
  }
  return { width: width!, height: height!, data: out };
}

function geometry(input: TensorData, layout: DisplayLayout) {
  const shape = input?.shape;
  if (!shape || !input.data) throw new ShapeError('inputToImage needs a TensorData {data, shape}.');
  if (layout !== 'NCHW' && layout !== 'NHWC' && layout !== 'NHW') {
    throw new OptionError(`Unknown image layout '${layout as string}'; use 'NCHW', 'NHWC' or 'NHW'.`);
  }
  const rank = layout === 'NHW' ? 3 : 4;
  if (shape.length !== rank || input.data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new ShapeError(`An input in layout '${layout}' needs ${rank} dimensions; got shape [${shape.join(', ')}].`);
  }
  switch (layout) {
    case 'NCHW':
      return { rows: shape[0], channels: shape[1], height: shape[2], width: shape[3], channelStride: shape[2]! * shape[3]!, pixelStride: 1 };
    case 'NHWC':
      return { rows: shape[0], channels: shape[3], height: shape[1], width: shape[2], channelStride: 1, pixelStride: shape[3] };
    case 'NHW':
      return { rows: shape[0], channels: 1, height: shape[1], width: shape[2], channelStride: 0, pixelStride: 1 };
  }
}

function perChannel(value: number | readonly number[], channels: number, what: string): readonly number[] {
  const list = typeof value === 'number' ? [value] : value;
  if (list.length !== 1 && list.length !== channels) {
    throw new OptionError(`${what} has ${list.length} values; give one, or one per channel (${channels}).`);
  }
  if (list.some((v) => !Number.isFinite(v))) throw new OptionError(`${what} must be finite numbers; got [${list.join(', ')}].`);
  return list.length === 1 ? new Array(channels).fill(list[0]) : list;
}
