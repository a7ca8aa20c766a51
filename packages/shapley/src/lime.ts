import { type Method, OptionError } from '@salience/core';
import { weightedLasso, weightedLeastSquares } from './linear-fit.js';
import { limeSampler } from './sampling.js';
import { SURROGATE_OPTION_KEYS, type SurrogateOptions, surrogateAttribution } from './surrogate.js';

export interface LimeOptions extends SurrogateOptions {
  /** Distance between the example and a perturbed copy: 'cosine' (default, Captum's) or 'euclidean'. */
  readonly distance?: 'cosine' | 'euclidean';
  /** Width of the exponential kernel exp(−d² / (2 width²)); default 1, Captum's. */
  readonly kernelWidth?: number;
  /** The L1 penalty of the Lasso fit; default 0.01 (Captum's `SkLearnLasso(alpha=0.01)`); 0 fits weighted least squares. */
  readonly alpha?: number;
}

function similarity(distance: 'cosine' | 'euclidean', width: number) {
  return (_: Uint8Array, example: Float32Array, copy: Float32Array): number => {
    let d: number;
    if (distance === 'cosine') {
      let dot = 0;
      let xx = 0;
      let yy = 0;
      for (let i = 0; i < example.length; i++) {
        dot += example[i]! * copy[i]!;
        xx += example[i]! * example[i]!;
        yy += copy[i]! * copy[i]!;
      }
      // PyTorch's CosineSimilarity clamps each norm at 1e-8.
      d = 1 - dot / (Math.max(Math.sqrt(xx), 1e-8) * Math.max(Math.sqrt(yy), 1e-8));
    } else {
      let sum = 0;
      for (let i = 0; i < example.length; i++) sum += (example[i]! - copy[i]!) ** 2;
      d = Math.sqrt(sum);
    }
    return Math.exp(-(d * d) / (2 * width * width));
  };
}

/**
 * LIME (Ribeiro et al. 2016) with Captum's defaults: features kept with probability 1/2, samples
 * weighted by an exponential kernel of their cosine distance to the example, and a Lasso
 * (alpha 0.01, with an intercept) fitted to the target's scores; its coefficients are the result.
 */
export const LIME_OPTION_KEYS: readonly (keyof LimeOptions)[] = [...SURROGATE_OPTION_KEYS, 'distance', 'kernelWidth', 'alpha'];

export const lime: Method<LimeOptions> = {
  id: 'lime',
  requires: ['logits'],
  optionKeys: LIME_OPTION_KEYS,
  // async, so that a bad option is a rejected promise like every other method's, not a throw.
  async attribute(model, input, options = {}) {
    const distance = options.distance ?? 'cosine';
    if (distance !== 'cosine' && distance !== 'euclidean') throw new OptionError(`Unknown distance '${distance}'; use 'cosine' or 'euclidean'.`);
    const width = options.kernelWidth ?? 1;
    if (!(width > 0) || !Number.isFinite(width)) throw new OptionError(`kernelWidth must be a positive number; got ${width}.`);
    const alpha = options.alpha ?? 0.01;
    if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new OptionError(`alpha must be a non-negative number; got ${alpha}.`);
    return surrogateAttribution(
      {
        id: 'lime',
        sampler: (rng) => limeSampler(rng),
        weight: similarity(distance, width),
        fit: alpha === 0 ? weightedLeastSquares : (moments, output) => weightedLasso(moments, output, { alpha }),
        meta: { distance, kernelWidth: width, alpha },
        optionKeys: LIME_OPTION_KEYS,
      },
      model,
      input,
      options,
    );
  },
};
