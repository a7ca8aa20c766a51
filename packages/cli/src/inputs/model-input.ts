import type { Model, TensorData } from '@salience/core';
import type { RgbaImage } from '@salience/render';
import { CliError } from '../cli-error.js';
import { tensorImages } from '../outputs/pictures.js';
import { type PreprocessingFlags, resolvePreprocessing } from './image-input.js';
import type { Inputs } from './inputs.js';
import { imagesToTensor, modelImage, type Preprocessing } from './preprocessing.js';

/** A batch as the model takes it, and a picture of each example (as loaded, before normalisation). */
export interface ModelInput {
  readonly tensor: TensorData;
  readonly images: (RgbaImage | undefined)[];
}

/** Preprocessing flags only apply to images: a .npy tensor is fed as it is. */
export function rejectTensorPreprocessing(flags: PreprocessingFlags): void {
  const given = Object.entries(flags)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => `--${k}`);
  if (given.length > 0) throw new CliError('usage', `${given.join(', ')} apply to image inputs; a .npy input is fed to the model as it is.`);
}

/** Decoded images as a batch with settled preprocessing, each picture at the model's size. */
export function imageBatch(images: readonly RgbaImage[], preprocessing: Preprocessing): ModelInput {
  return {
    tensor: imagesToTensor(images, preprocessing),
    images: images.map((image) => modelImage(image, preprocessing)),
  };
}

/** A raw tensor batch, with pictures drawn from it where it is an image. */
export function tensorBatch(tensor: TensorData, model: Model): ModelInput {
  return { tensor, images: tensorImages(tensor, model.layout) };
}

/** The input batch in the model's layout, and a picture of each example for overlays. */
export function prepareInput(model: Model, inputs: Inputs, flags: PreprocessingFlags): ModelInput & { preprocessing: Preprocessing | null } {
  if (inputs.kind === 'tensor') {
    rejectTensorPreprocessing(flags);
    return { ...tensorBatch(inputs.tensor, model), preprocessing: null };
  }
  const preprocessing = resolvePreprocessing(model, inputs.images, flags);
  return { ...imageBatch(inputs.images, preprocessing), preprocessing };
}
