import type { Model } from '@salience/core';
import type { RgbaImage } from '@salience/render';
import { CliError } from '../cli-error.js';
import { CHANNEL_ORDERS, type ChannelOrder, channelCount, type ImageLayout, PRESETS, type Preprocessing, type PresetName } from './preprocessing.js';

/** What the command line says about preprocessing; the rest comes from the model. */
export interface PreprocessingFlags {
  /** Height x width, the command line's order. */
  readonly resize?: readonly [height: number, width: number];
  readonly channels?: ChannelOrder;
  readonly range?: readonly [number, number];
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** torchvision's Resize(n): the shorter side to n, antialiased. */
  readonly resizeShorter?: number;
  /** torchvision's CenterCrop to height x width. */
  readonly crop?: readonly [height: number, width: number];
  /** Named values for the flags above (`imagenet`); flags given beside it win. */
  readonly preset?: PresetName;
}

/**
 * Fills in preprocessing from the model: its layout, its channel count (1: gray, 3: RGB) and its
 * input size, unless the flags say otherwise or the model leaves a dimension free.
 */
export function resolvePreprocessing(model: Model, images: readonly RgbaImage[], given: PreprocessingFlags): Preprocessing {
  const preset = given.preset === undefined ? undefined : PRESETS[given.preset];
  if (given.resize && (given.crop || given.resizeShorter !== undefined || preset))
    throw new CliError('usage', '--resize HxW stretches to a size; --resize-shorter, --crop and --preset resize the shorter side and crop the centre. Give one kind.');
  const flags: PreprocessingFlags = preset
    ? {
        ...given,
        resizeShorter: given.resizeShorter ?? preset.resizeShorter,
        crop: given.crop ?? preset.crop,
        range: given.range ?? preset.range,
        mean: given.mean ?? preset.mean,
        std: given.std ?? preset.std,
      }
    : given;
  const { layout, inputShape } = model;
  if (layout !== 'NCHW' && layout !== 'NHWC') {
    throw new CliError('usage', `The model's input layout is '${layout}', not an image; give its input as a .npy tensor instead of images.`);
  }
  if (inputShape.length !== 4) {
    throw new CliError('usage', `The model takes inputs of rank ${inputShape.length}; images need a rank-4 input (${layout}).`);
  }
  const [c, h, w] = layout === 'NCHW' ? inputShape.slice(1) : [inputShape[3], inputShape[1], inputShape[2]];
  let channels = flags.channels;
  if (channels === undefined) {
    if (c === 1) channels = 'gray';
    else if (c === 3 || c === null) channels = 'rgb';
    else throw new CliError('usage', `The model takes ${c} channels; images give 1 (gray) or 3 (RGB). Give the input as a .npy tensor.`);
  } else if (c !== null && channelCount(channels) !== c) {
    throw new CliError(
      'usage',
      `--channels ${channels} gives ${channelCount(channels)} channel(s) but the model takes ${c}; use ${c === 1 ? 'gray' : CHANNEL_ORDERS.filter((o) => o !== 'gray').join(' or ')}.`,
    );
  }
  // [height, width], as the flags give it.
  let size = flags.resize ?? flags.crop;
  if (size && ((h !== null && size[0] !== h) || (w !== null && size[1] !== w))) {
    const flag = flags.resize ? '--resize' : '--crop';
    const fit = h !== null && w !== null ? `; that is ${flag} ${h === w ? h : `h=${h},w=${w}`}` : '';
    throw new CliError('usage', `${flag} ${size[0]}x${size[1]} does not fit the model's input size ${h ?? '?'}x${w ?? '?'} (height x width${fit}).`);
  }
  // The shorter side alone, with no crop: the result is the model's size only for images of its aspect.
  if (!size && flags.resizeShorter !== undefined && w !== null && h !== null) size = [h!, w!];
  if (!size && w !== null && h !== null) size = [h!, w!];
  if (!size) {
    const first = images[0]!;
    const same = images.every((i) => i.width === first.width && i.height === first.height);
    if (!same) throw new CliError('usage', 'The model takes any image size but the images differ in size; give --resize N or h=H,w=W to bring them to one.');
    size = [h ?? first.height, w ?? first.width];
  }
  return {
    height: size[0],
    width: size[1],
    channels,
    layout: layout as ImageLayout,
    range: flags.range ?? [0, 1],
    mean: flags.mean ?? [0],
    std: flags.std ?? [1],
    ...(flags.resizeShorter !== undefined ? { resizeShorter: flags.resizeShorter } : {}),
    ...(flags.crop ? { crop: true } : {}),
    ...(given.preset ? { preset: given.preset } : {}),
  };
}
