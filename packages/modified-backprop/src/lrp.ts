import {
  type Attribution,
  beginMethod,
  type ChannelReduction,
  type CommonOptions,
  inputShapedMaps,
  type LrpComposite,
  type LrpRule,
  type Method,
  type Model,
  OptionError,
  objectiveName,
  rowSize,
  type TensorData,
} from '@salience/core';
import { backwardBatches } from './backward-batches.js';
import { assertBackwardRules } from './backward-capability.js';
import { checkLrpComposite, type LrpBound } from './lrp-composite.js';
import { checkChannelReduction, gradientLayouts } from './method-spec.js';

export interface LrpOptions {
  /**
   * The epsilon rule's stabiliser, added to every layer's output with its sign; default 1e-9
   * (Captum's). With a composite, its epsilon rule's (default 1e-6, Zennit's).
   */
  readonly epsilon?: number;
  /**
   * Zennit's rules per layer type instead of Captum's epsilon rule everywhere, relevance one-hot at
   * the target (maps sum to about 1, not to the logit): a named composite ('epsilon-plus-flat',
   * 'epsilon-gamma-box', 'epsilon-plus', 'epsilon-alpha2-beta1', 'epsilon-alpha2-beta1-flat') or a
   * layer map `{ first?, convolution?, dense? }` of the rules 'epsilon', 'gamma', 'alpha2-beta1',
   * 'alpha1-beta0', 'z-plus', 'w-square', 'flat', 'z-box' (left-out layer types: 'epsilon').
   */
  readonly composite?: LrpComposite;
  /** The gamma rule's gamma; default 0.25 (Zennit's). */
  readonly gamma?: number;
  /** The z-box rule's lowest input value: a number, or one per input channel; required with that rule. */
  readonly low?: LrpBound;
  /** The z-box rule's highest input value: a number, or one per input channel; required with that rule. */
  readonly high?: LrpBound;
  /** Reduce the channel axis of image maps to one value per pixel; off by default (raw relevance as Captum). */
  readonly channelReduction?: ChannelReduction;
}

const OPTION_KEYS: readonly (keyof LrpOptions)[] = ['epsilon', 'composite', 'gamma', 'low', 'high', 'channelReduction'];

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
    const { channelReduction, epsilon = 1e-9, composite, gamma, low, high } = options;
    let rules: readonly LrpRule[] = [];
    const call = await beginMethod(model, input, options, {
      id: 'lrp',
      requires: ['inputGradients', 'logits'],
      optionKeys: OPTION_KEYS,
      ...gradientLayouts('lrp'),
      check: () => {
        if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) throw new OptionError(`epsilon must be a number >= 0; got ${JSON.stringify(epsilon)}.`);
        checkChannelReduction(channelReduction);
        if (composite === undefined) {
          if (gamma !== undefined || low !== undefined || high !== undefined)
            throw new OptionError("gamma, low and high are parameters of a composite's rules: give composite too.");
          assertBackwardRules(model, ['lrp-epsilon'], 'lrp');
          return;
        }
        const checked = checkLrpComposite(composite, { epsilon: options.epsilon, gamma, low, high }, input.shape[model.layout === 'NHWC' ? 3 : 1] ?? 1);
        rules = checked.rules;
        assertBackwardRules(model, [checked.kind], 'lrp');
      },
    });
    // Plain data for the model's graph key; the parameters the composite's rules use.
    const parameters = composite && {
      ...(rules.includes('epsilon') && { epsilon: options.epsilon ?? 1e-6 }),
      ...(rules.includes('gamma') && { gamma: gamma ?? 0.25 }),
      ...(rules.includes('z-box') && { low, high }),
    };
    const { examples, targets } = call;
    const size = rowSize(input);
    const { values, calls } = await backwardBatches(
      call,
      ['inputGradients', 'logits'],
      { lrp: composite ? { composite, ...parameters } : { epsilon } },
      ({ inputGradients, logits }, rows, start, end, batch) => {
        const classes = logits.shape[1]!;
        for (let r = 0; r < end - start; r++) {
          // The first layer's relevance is its input times its normalised gradient, scaled by the target output.
          const from = r * size;
          const out = batch.subarray(from, from + size);
          // The composite's first layer (flat) gives relevance itself, for a one-hot output relevance.
          if (composite) out.set(inputGradients.data.subarray(from, from + size));
          else {
            const scale = logits.data[r * classes + targets[start + r]!]!;
            for (let i = 0; i < size; i++) out[i] = inputGradients.data[from + i]! * rows[from + i]! * scale;
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
        ...(composite ? parameters : { epsilon }),
        channelReduction: channelReduction ?? null,
        objective: objectiveName(options.objective),
        batchSize: call.batchSize,
        modelCalls: call.modelCalls + calls,
      },
    };
  },
};
