import type { TensorData } from '@salience/core';
import { createRng, OptionError } from '@salience/core';

/** The kinds of shape, one per class, in class order. */
export const PLANTED_SHAPES = ['plus', 'cross', 'square', 'disc'] as const;
export type PlantedShape = (typeof PLANTED_SHAPES)[number];

export interface PlantedShapesOptions {
  /** Number of images. */
  readonly count: number;
  /** Side of the square images; default 24. */
  readonly size?: number;
  /** Side of the shape; default 7. */
  readonly shapeSize?: number;
  /** Background noise is uniform in [0, noise); default 0.6. Shape pixels are 1. */
  readonly noise?: number;
  /** Which shapes (and so how many classes), in class order; default all four. */
  readonly shapes?: readonly PlantedShape[];
  /** 'NHWC' (tfjs, the default) or 'NCHW' (ONNX); one channel either way. */
  readonly layout?: 'NHWC' | 'NCHW';
  readonly seed?: number;
}

/** A planted-evidence dataset: the only evidence of an image's class is where its shape is. */
export interface PlantedShapesData {
  /** [count, size, size, 1] (or [count, 1, size, size]), values in [0, 1]. */
  readonly input: TensorData;
  /** The class of each image: the index of its shape in `shapes`. */
  readonly labels: Int32Array;
  /** `[count, size, size]`: 1 inside each shape's bounding box, 0 elsewhere (the ground truth). */
  readonly masks: TensorData;
  /** `[count, 2]`: the top-left corner (row, column) of each shape's box of `shapeSize` pixels. */
  readonly corners: Int32Array;
  readonly shapes: readonly PlantedShape[];
  readonly shapeSize: number;
}

/** Whether pixel (i, j) of an n x n box belongs to the shape. */
function inShape(shape: PlantedShape, i: number, j: number, n: number): boolean {
  const c = (n - 1) / 2;
  switch (shape) {
    case 'plus':
      return Math.abs(i - c) < 1 || Math.abs(j - c) < 1;
    case 'cross':
      return i === j || i + j === n - 1;
    case 'square':
      return i === 0 || j === 0 || i === n - 1 || j === n - 1;
    case 'disc':
      return (i - c) ** 2 + (j - c) ** 2 <= (c + 0.25) ** 2;
  }
}

function positiveInteger(value: number, name: string, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new OptionError(`${name} must be an integer of at least ${min}; got ${value}.`);
  return value;
}

/**
 * Generates the planted-evidence benchmark: each image is noise with one small shape at a random
 * place, and the kind of shape is the class. A model that classifies these well can only have
 * looked at the shape, so a faithful saliency map points into its box (`masks`). Seeded: the same
 * options give the same images on every platform. Classes are balanced (image i has class
 * i mod classes).
 */
export function plantedShapes(options: PlantedShapesOptions): PlantedShapesData {
  const count = positiveInteger(options.count, 'count');
  const size = positiveInteger(options.size ?? 24, 'size', 3);
  const shapeSize = positiveInteger(options.shapeSize ?? 7, 'shapeSize', 3);
  if (shapeSize > size) throw new OptionError(`shapeSize (${shapeSize}) must not exceed size (${size}).`);
  const noise = options.noise ?? 0.6;
  if (!(noise >= 0 && noise < 1)) throw new OptionError(`noise must be in [0, 1) so that shapes (value 1) stand out; got ${noise}.`);
  const shapes = options.shapes ?? PLANTED_SHAPES;
  if (shapes.length < 2 || shapes.some((s) => !PLANTED_SHAPES.includes(s)) || new Set(shapes).size !== shapes.length) {
    throw new OptionError(`shapes must name at least two different shapes among ${PLANTED_SHAPES.join(', ')}; got ${JSON.stringify(shapes)}.`);
  }
  const layout = options.layout ?? 'NHWC';
  if (layout !== 'NHWC' && layout !== 'NCHW') throw new OptionError(`layout must be 'NHWC' or 'NCHW'; got ${JSON.stringify(layout)}.`);

  const rng = createRng(options.seed ?? 0);
  const pixels = size * size;
  const images = new Float32Array(count * pixels);
  const masks = new Float32Array(count * pixels);
  const labels = new Int32Array(count);
  const corners = new Int32Array(count * 2);
  for (let n = 0; n < count; n++) {
    const label = n % shapes.length;
    const top = rng.int(size - shapeSize + 1);
    const left = rng.int(size - shapeSize + 1);
    const image = images.subarray(n * pixels, (n + 1) * pixels);
    rng.fillUniform(image, 0, noise);
    for (let i = 0; i < shapeSize; i++) {
      for (let j = 0; j < shapeSize; j++) {
        const p = (top + i) * size + left + j;
        masks[n * pixels + p] = 1;
        if (inShape(shapes[label]!, i, j, shapeSize)) image[p] = 1;
      }
    }
    labels[n] = label;
    corners[2 * n] = top;
    corners[2 * n + 1] = left;
  }
  // One channel: NHWC and NCHW hold the same numbers in the same order.
  const shape = layout === 'NHWC' ? [count, size, size, 1] : [count, 1, size, size];
  return { input: { data: images, shape }, labels, masks: { data: masks, shape: [count, size, size] }, corners, shapes: [...shapes], shapeSize };
}
