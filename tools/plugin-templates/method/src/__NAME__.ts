import {
  type Attribution,
  beginMethod,
  type CommonOptions,
  type Method,
  type Model,
  OptionError,
  objectiveName,
  rowSize,
  type TensorData,
  type ValuesLayout,
} from '@salience/core';
import { PLUGIN } from './plugin.js'; // plugin-stamp

export interface __Pascal__Options {
  /** Multiplies every score: an example of a method option, checked before any work. Default 1. */
  readonly scale?: number;
}

/** The option names this method takes besides core's: any other key is rejected with the closest name. */
const OPTION_KEYS: readonly (keyof __Pascal__Options)[] = ['scale'];

/**
 * __ID__: gradient x input, scaled. It is the skeleton of a salience method: replace the work in
 * the batch loop with yours. `beginMethod` from @salience/core does the opening steps (option names,
 * capabilities and layout, the input, the batch size, the objective, the model's other inputs,
 * the targets); `call.run` gives each model call its rows' targets, per-row cross-entropy labels,
 * context and the signal; `call.forEachBatch` bounds every call by batchSize, yields to the event
 * loop, checks the signal and reports progress.
 */
export const __camel__: Method<__Pascal__Options> = {
  id: '__ID__',
  requires: ['inputGradients'],
  optionKeys: OPTION_KEYS,
  plugin: PLUGIN, // plugin-stamp
  async attribute(model: Model, input: TensorData, options: __Pascal__Options & CommonOptions = {}): Promise<Attribution> {
    const scale = options.scale ?? 1;
    if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new OptionError(`scale must be a finite number; got ${String(scale)}.`);
    const call = await beginMethod(model, input, options, {
      id: '__ID__',
      requires: this.requires,
      optionKeys: OPTION_KEYS,
      layouts: ['NCHW', 'NHWC', 'NC'],
      layoutHint: "'__ID__' explains numeric inputs; token ids have no gradient.",
    });
    // One (example, class) pair per map: { classes } and { topK } become several pairs per example.
    const { examples, targets } = call;
    const size = rowSize(input);
    const values = new Float32Array(examples.length * size);

    await call.forEachBatch(
      examples.length,
      async (start, end) => {
        const batch = call.mapInput(start, end);
        const { inputGradients } = await call.run({
          input: batch,
          examples: examples.subarray(start, end),
          targets: targets.subarray(start, end),
          outputs: ['inputGradients'],
        });
        const out = values.subarray(start * size, end * size);
        for (let i = 0; i < out.length; i++) out[i] = scale * batch.data[i] * inputGradients.data[i];
      },
      options.onProgress,
    );

    return {
      method: '__ID__',
      values: { data: values, shape: [examples.length, ...input.shape.slice(1)] },
      layout: model.layout as ValuesLayout,
      examples,
      targets,
      meta: { scale, objective: objectiveName(options.objective), batchSize: call.batchSize, modelCalls: call.modelCalls },
    };
  },
};
