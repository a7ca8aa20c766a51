import {
  type Attribution,
  type CommonOptions,
  type Method,
  type Model,
  type TensorData,
  type ValuesLayout,
  assertCapabilities,
  checkBatchSize,
  checkInput,
  defaultBatchSize,
  forEachBatch,
  gatherRows,
  OptionError,
  objectiveName,
  resolveTargets,
  rowSize,
} from '@salience/core';
import { PLUGIN } from './plugin.js'; // plugin-stamp

export interface __Pascal__Options {
  /** Multiplies every score: an example of a method option, checked before any work. Default 1. */
  readonly scale?: number;
}

/**
 * __ID__: gradient x input, scaled. It is the skeleton of a salience method: replace the work in
 * the batch loop with yours and keep the steps around it (capabilities and input checked first,
 * targets resolved in batches, every model call bounded by batchSize, the signal and progress
 * handled by forEachBatch, raw scores plus meta returned).
 */
export const __camel__: Method<__Pascal__Options> = {
  id: '__ID__',
  requires: ['inputGradients'],
  plugin: PLUGIN, // plugin-stamp
  async attribute(model: Model, input: TensorData, options: __Pascal__Options & CommonOptions = {}): Promise<Attribution> {
    assertCapabilities(model, this.requires, "The '__ID__' method");
    if (model.layout === 'tokens') throw new OptionError("'__ID__' explains numeric inputs; token ids have no gradient.");
    checkInput(model, input);
    const scale = options.scale ?? 1;
    if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new OptionError(`scale must be a finite number; got ${String(scale)}.`);
    const size = rowSize(input);
    const batchSize = checkBatchSize(options.batchSize ?? defaultBatchSize(size));
    const { signal } = options;
    // One (example, class) pair per map: { classes } and { topK } become several pairs per example.
    const { examples, targets } = await resolveTargets(model, input, options.target, signal, { batchSize });
    const values = new Float32Array(examples.length * size);
    let modelCalls = 0;

    await forEachBatch(
      examples.length,
      batchSize,
      async (start, end) => {
        const batch = gatherRows(input, examples.subarray(start, end));
        const { inputGradients } = await model.run({
          input: batch,
          outputs: ['inputGradients'],
          target: targets.subarray(start, end),
          objective: options.objective,
          signal,
        });
        modelCalls++;
        const out = values.subarray(start * size, end * size);
        for (let i = 0; i < out.length; i++) out[i] = scale * batch.data[i] * inputGradients.data[i];
      },
      { signal, onProgress: options.onProgress },
    );

    return {
      method: '__ID__',
      values: { data: values, shape: [examples.length, ...input.shape.slice(1)] },
      layout: model.layout as ValuesLayout,
      examples,
      targets,
      meta: { scale, objective: objectiveName(options.objective), batchSize, modelCalls },
    };
  },
};
