import { OptionError } from '@salience/core';
import type { LayersModel, TfNamespace } from './tf-namespace.js';

export interface PlantedCnnOptions {
  /** Side of the square input images; default 24 (as `plantedShapes`). */
  readonly size?: number;
  /** Number of classes; default 4 (the four planted shapes). */
  readonly classes?: number;
  /** Seed of the initial weights. */
  readonly seed?: number;
}

/**
 * The small CNN of the planted-evidence benchmark, for NHWC images with one channel:
 * conv1 (8) - bn1 - relu1 - pool - conv2 (16) - bn2 - relu2 - conv3 (16) - bn3 - relu3 - gap -
 * logits, with 3x3 'same' convolutions and one 2x2 max pool. One pool only, so that conv3's map
 * (half the input's side) can place a shape of a few pixels; global average pooling keeps the
 * evidence where it was found, so Grad-CAM at conv3 can localise it; batch normalisation (with a
 * momentum of 0.9, so that its statistics settle within a short training) lets it learn in a few
 * epochs. Untrained, with seeded Glorot-uniform weights.
 */
export function plantedCnn(tf: Pick<TfNamespace, 'sequential' | 'layers' | 'initializers'>, options: PlantedCnnOptions = {}): LayersModel {
  const size = options.size ?? 24;
  const classes = options.classes ?? 4;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(size) || size < 4 || size % 2 !== 0) throw new OptionError(`size must be an even number of at least 4 (one 2x2 pool); got ${size}.`);
  if (!Number.isInteger(classes) || classes < 2) throw new OptionError(`classes must be an integer of at least 2; got ${classes}.`);
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 16 + k });
  const block = (k: number, filters: number, inputShape?: number[]) => [
    tf.layers.conv2d({ name: `conv${k}`, filters, kernelSize: 3, padding: 'same', kernelInitializer: init(k), ...(inputShape ? { inputShape } : {}) }),
    tf.layers.batchNormalization({ name: `bn${k}`, momentum: 0.9 }),
    tf.layers.reLU({ name: `relu${k}` }),
  ];
  return tf.sequential({
    name: 'planted_cnn',
    layers: [
      ...block(1, 8, [size, size, 1]),
      tf.layers.maxPooling2d({ name: 'pool', poolSize: 2 }),
      ...block(2, 16),
      ...block(3, 16),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ name: 'logits', units: classes, kernelInitializer: init(4) }),
    ],
  });
}
