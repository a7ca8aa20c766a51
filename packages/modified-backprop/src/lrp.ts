import {
  type Attribution,
  beginMethod,
  type ChannelReduction,
  type CommonOptions,
  inputShapedMaps,
  type Method,
  type Model,
  OptionError,
  objectiveName,
  rowSize,
  type TensorData,
} from '@salience/core';
import { backwardBatches } from './backward-batches.js';
import { assertBackwardRules } from './backward-capability.js';
import { checkChannelReduction, gradientLayouts } from './method-spec.js';

export interface LrpOptions {
  /** The epsilon rule's stabiliser, added to every layer's output with its sign; default 1e-9 (Captum's). */
  readonly epsilon?: number;
  /**
   * Zennit's EpsilonPlusFlat composite instead of Captum's epsilon rule everywhere: flat on the
   * first layer, z+ on convolutions, epsilon 1e-6 on dense layers, relevance one-hot at the target
   * (maps sum to about 1, not to the logit).
   */
  readonly composite?: 'epsilon-plus-flat';
  /** Reduce the channel axis of image maps to one value per pixel; off by default (raw relevance as Captum). */
  readonly channelReduction?: ChannelReduction;
}

const OPTION_KEYS: readonly (keyof LrpOptions)[] = ['epsilon', 'composite', 'channelReduction'];

/**
 * Layer-wise relevance propagation with the epsilon rule on every convolution, dense, BatchNorm and
 * pooling layer, relevance passed unchanged through ReLU and Tanh (Bach et al. 2015; Captum's LRP with
 * its default rules). The model's backward pass carries relevance normalised by the target output;
 * each map is that times the target logit, so it sums to the logit where the network conserves
 * relevance (no biases, no ops outside the rules). One backward pass per map.
 */
export const lrp: Method<LrpOptions> = {
  id: 'lrp',
  requires: ['inputGradients', 'logits'],
  optionKeys: OPTION_KEYS,
  async attribute(model: Model, input: TensorData, options: LrpOptions & CommonOptions = {}): Promise<Attribution> {
    const { channelReduction, epsilon = 1e-9, composite } = options;
    const call = await beginMethod(model, input, options, {
      id: 'lrp',
      requires: ['inputGradients', 'logits'],
      optionKeys: OPTION_KEYS,
      ...gradientLayouts('lrp'),
      check: () => {
        if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) throw new OptionError(`epsilon must be a number >= 0; got ${JSON.stringify(epsilon)}.`);
        checkChannelReduction(channelReduction);
        if (composite !== undefined && composite !== 'epsilon-plus-flat') throw new OptionError(`composite must be 'epsilon-plus-flat'; got ${JSON.stringify(composite)}.`);
        if (composite && options.epsilon !== undefined)
          throw new OptionError("epsilon is Captum's rule's; the epsilon-plus-flat composite fixes its own (1e-6): give one of them.");
        assertBackwardRules(model, [composite ? 'lrp-epsilon-plus-flat' : 'lrp-epsilon'], 'lrp');
      },
    });
    const { examples, targets } = call;
    const size = rowSize(input);
    const { values, calls } = await backwardBatches(
      call,
      ['inputGradients', 'logits'],
      { lrp: composite ? { composite } : { epsilon } },
      ({ inputGradients, logits }, rows, start, end, batch) => {
        const classes = logits.shape[1];
        for (let r = 0; r < end - start; r++) {
          // The first layer's relevance is its input times its normalised gradient, scaled by the target output.
          const from = r * size;
          const out = batch.subarray(from, from + size);
          // The composite's first layer (flat) gives relevance itself, for a one-hot output relevance.
          if (composite) out.set(inputGradients.data.subarray(from, from + size));
          else {
            const scale = logits.data[r * classes + targets[start + r]];
            for (let i = 0; i < size; i++) out[i] = inputGradients.data[from + i] * rows[from + i] * scale;
          }
        }
      },
      options.onProgress,
    );
    return {
      method: 'lrp',
      ...inputShapedMaps(values, examples.length, input, model.layout, channelReduction),
      examples,
      targets,
      meta: {
        rules: composite ?? 'epsilon',
        epsilon: composite ? 1e-6 : epsilon,
        channelReduction: channelReduction ?? null,
        objective: objectiveName(options.objective),
        batchSize: call.batchSize,
        modelCalls: call.modelCalls + calls,
      },
    };
  },
};
