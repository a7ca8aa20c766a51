import {
  type Attribution,
  CHANNEL_REDUCTIONS,
  type ChannelReduction,
  type CommonOptions,
  type Method,
  type Model,
  OptionError,
  type TensorData,
  type ValuesLayout,
  beginMethod,
  objectiveName,
  reduceChannels,
  rowSize,
} from '@salience/core';
import { assertBackwardRules } from './backward-capability.js';

export interface ModifiedReluOptions {
  /** Reduce the channel axis of image maps to one value per pixel; off by default (raw, signed values as Captum). */
  readonly channelReduction?: ChannelReduction;
}

const OPTION_KEYS: readonly (keyof ModifiedReluOptions)[] = ['channelReduction'];

/**
 * A gradient with ReLU's backward rule replaced: 'guided' (Guided Backprop, Springenberg et al.
 * 2015: positive gradients through active units only) or 'deconvnet' (Zeiler & Fergus 2014:
 * positive gradients whatever the forward input). One backward pass per map, like the gradient.
 */
function modifiedReluMethod(relu: 'guided' | 'deconvnet', id: string): Method<ModifiedReluOptions> {
  return {
    id,
    requires: ['inputGradients'],
    optionKeys: OPTION_KEYS,
    async attribute(model: Model, input: TensorData, options: ModifiedReluOptions & CommonOptions = {}): Promise<Attribution> {
      const { channelReduction } = options;
      if (channelReduction !== undefined && !CHANNEL_REDUCTIONS.includes(channelReduction)) {
        throw new OptionError(`Unknown channelReduction ${JSON.stringify(channelReduction)}; use one of ${CHANNEL_REDUCTIONS.join(', ')}.`);
      }
      const call = await beginMethod(model, input, options, {
        id,
        requires: ['inputGradients'],
        optionKeys: OPTION_KEYS,
        layouts: ['NCHW', 'NHWC', 'NC'],
        layoutHint: `'${id}' explains image and feature models; token ids have no gradient.`,
        check: () => assertBackwardRules(model, [relu], id),
      });
      const { examples, targets } = call;
      const size = rowSize(input);
      const values = new Float32Array(examples.length * size);
      let calls = 0;
      await call.forEachBatch(
        examples.length,
        async (start, end) => {
          const request = call.request({ input: call.mapInput(start, end), examples: examples.subarray(start, end), targets: targets.subarray(start, end), outputs: ['inputGradients'] });
          const { inputGradients } = await model.run({ ...request, backward: { relu } });
          calls++;
          values.set(inputGradients.data, start * size);
        },
        options.onProgress,
      );
      let result: TensorData = { data: values, shape: [examples.length, ...input.shape.slice(1)] };
      if (channelReduction) result = reduceChannels(result, model.layout, channelReduction);
      return {
        method: id,
        values: result,
        layout: channelReduction ? 'NHW' : (model.layout as ValuesLayout),
        examples,
        targets,
        meta: {
          backward: `relu:${relu}`,
          channelReduction: channelReduction ?? null,
          objective: objectiveName(options.objective),
          batchSize: call.batchSize,
          modelCalls: call.modelCalls + calls,
        },
      };
    },
  };
}

/** Guided Backprop (Springenberg et al. 2015; Captum's GuidedBackprop): signed maps. */
export const guidedBackprop: Method<ModifiedReluOptions> = modifiedReluMethod('guided', 'guided-backprop');

/** Deconvnet (Zeiler & Fergus 2014; Captum's Deconvolution): signed maps. */
export const deconvnet: Method<ModifiedReluOptions> = modifiedReluMethod('deconvnet', 'deconvnet');
