import { type Model, modelWithRun, type TensorData } from '@salience/core';
import type { TfjsModelOptions } from '@salience/tfjs';
import { fromTfjs } from '@salience/tfjs';
import type { Trainer } from '../checks/trainer.js';
import type { LayersModel, TfNamespace } from './tf-namespace.js';
import type { TrainOptions } from './train.js';
import { trainLayersModel } from './train.js';

export interface TfjsTrainerOptions extends Omit<TrainOptions, 'signal'> {
  /** Builds the untrained architecture; called once per training, with the seed. */
  readonly build: (seed: number) => LayersModel;
  /** The training examples, in the model's layout; the labels come with each call. */
  readonly input: TensorData;
  /** Passed to `fromTfjs` for the trained model. */
  readonly adapter?: TfjsModelOptions;
}

/** A salience model that also disposes the tfjs model it wraps (which the trainer made). */
function owningModel(net: LayersModel, model: Model): Model {
  return modelWithRun(
    model,
    (request) => model.run(request),
    () => {
      model.dispose();
      net.dispose();
    },
  );
}

/**
 * A `Trainer` for the label randomisation check: each call builds the architecture afresh, trains
 * it in-process with tfjs on `input` and the labels it is given (`trainLayersModel`), and returns
 * it wrapped with `fromTfjs`; disposing that model disposes the tfjs model too. Train on the cpu
 * backend: some backends (wasm) lack backward kernels of the weights.
 */
export function tfjsTrainer(tf: TfNamespace, options: TfjsTrainerOptions): Trainer {
  return async (labels, { signal } = {}) => {
    const seed = options.seed ?? 0;
    const net = options.build(seed);
    try {
      await trainLayersModel(tf, net, options.input, labels, { ...options, signal });
      return owningModel(net, fromTfjs(tf, net, options.adapter));
    } catch (error) {
      net.dispose();
      throw error;
    }
  };
}
