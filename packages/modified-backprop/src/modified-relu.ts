import { type Attribution, beginMethod, type ChannelReduction, type CommonOptions, inputShapedMaps, type Method, type Model, objectiveName, type TensorData } from '@salience/core';
import { backwardBatches } from './backward-batches.js';
import { assertBackwardRules } from './backward-capability.js';
import { checkChannelReduction, gradientLayouts } from './method-spec.js';

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
      checkChannelReduction(channelReduction);
      const call = await beginMethod(model, input, options, {
        id,
        requires: ['inputGradients'],
        optionKeys: OPTION_KEYS,
        ...gradientLayouts(id),
        check: () => assertBackwardRules(model, [relu], id),
      });
      const { examples, targets } = call;
      const { values, calls } = await backwardBatches(
        call,
        ['inputGradients'],
        { relu },
        ({ inputGradients }, _rows, _start, _end, out) => out.set(inputGradients.data),
        options.onProgress,
      );
      return {
        method: id,
        ...inputShapedMaps(values, examples.length, input, model.layout, channelReduction),
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
