import type { Method } from '@salience/core';
import { weightedLeastSquares } from './linear-fit.js';
import { kernelShapSampler } from './sampling.js';
import { SURROGATE_OPTION_KEYS, type SurrogateOptions, surrogateAttribution } from './surrogate.js';

/** Captum's weight for the empty and the full coalition, standing in for the kernel's infinite one. */
export const KERNEL_SHAP_INFINITE_WEIGHT = 1e6;

export type KernelShapOptions = SurrogateOptions;

/**
 * KernelSHAP (Lundberg & Lee 2017): Shapley values estimated by a weighted linear regression over
 * sampled coalitions. As in Captum's `KernelShap`, coalition sizes are drawn in proportion to the
 * Shapley kernel, every sample then weighs 1 (the empty and full coalitions, drawn first, weigh
 * 1e6), and the fit is ordinary weighted least squares with an intercept.
 */
export const kernelShap: Method<KernelShapOptions> = {
  id: 'kernel-shap',
  requires: ['logits'],
  optionKeys: SURROGATE_OPTION_KEYS,
  attribute: (model, input, options = {}) =>
    surrogateAttribution(
      {
        id: 'kernel-shap',
        sampler: kernelShapSampler,
        weight: (z) => {
          let on = 0;
          for (const v of z) on += v;
          return on === 0 || on === z.length ? KERNEL_SHAP_INFINITE_WEIGHT : 1;
        },
        fit: weightedLeastSquares,
        meta: {},
        optionKeys: SURROGATE_OPTION_KEYS,
      },
      model,
      input,
      options,
    ),
};
