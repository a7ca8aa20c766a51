import type { TensorData } from '@salience/core';
import { OptionError } from '@salience/core';
import { type RgbaImage, resizeImage } from '@salience/render';

/** The image input a model takes: NHWC, one example, 1 (gray) or 3 (RGB) channels. */
export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  /** Where the channels are: tfjs models are NHWC, ONNX models usually NCHW. Default 'NHWC'. */
  readonly layout?: 'NHWC' | 'NCHW';
}

/** Per-channel (or one for all) mean and std: the input is (pixel / 255 - mean) / std. */
export interface ChannelNormalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * An RGBA picture as one model input ([1, H, W, C], or [1, C, H, W]) with pixels scaled to [0, 1]
 * and then normalised with `mean` and `std` when given: stretched (bilinear) when its size differs
 * (`prepareInput` crops or letterboxes first); gray mixes R, G and B with ITU-R 601 weights, as the CLI does.
 */
export function imageToInput(image: RgbaImage, shape: ImageShape, normalization?: ChannelNormalization): TensorData {
  const { height, width, channels } = shape;
  if (channels !== 1 && channels !== 3) throw new OptionError(`The playground explains images with 1 or 3 channels; this model takes ${channels}.`);
  const fitted = image.width === width && image.height === height ? image : resizeImage(image, width, height, 'bilinear');
  const px = fitted.data;
  const plane = width * height;
  const out = new Float32Array(plane * channels);
  const channelsFirst = shape.layout === 'NCHW';
  // Element (pixel i, channel c) of either layout.
  const at = channelsFirst ? (i: number, c: number) => c * plane + i : (i: number, c: number) => i * channels + c;
  const meanOf = (c: number) => normalization?.mean[normalization.mean.length === 1 ? 0 : c] ?? 0;
  const stdOf = (c: number) => normalization?.std[normalization.std.length === 1 ? 0 : c] ?? 1;
  const [m0, m1, m2] = [meanOf(0), meanOf(1), meanOf(2)];
  const [s0, s1, s2] = [stdOf(0), stdOf(1), stdOf(2)];
  for (let i = 0; i < plane; i++) {
    const r = px[i * 4]!;
    const g = px[i * 4 + 1]!;
    const b = px[i * 4 + 2]!;
    if (channels === 1) {
      out[i] = ((0.299 * r + 0.587 * g + 0.114 * b) / 255 - m0) / s0;
    } else {
      out[at(i, 0)] = (r / 255 - m0) / s0;
      out[at(i, 1)] = (g / 255 - m1) / s1;
      out[at(i, 2)] = (b / 255 - m2) / s2;
    }
  }
  return { data: out, shape: channelsFirst ? [1, channels, height, width] : [1, height, width, channels] };
}
