/**
 * @packageDocumentation
 * Shapley values and surrogates for salience: KernelSHAP, LIME and Shapley value sampling over
 * feature masks (a grid of cells for images, tokens for text, or your own groups). Forward-only:
 * they need only logits, so they explain any model, batched, with memory flat in the number of
 * samples. Feature ablation lives in `@salience/occlusion`.
 */

/** Re-exported from `@salience/core`, where it lives since EigenCAM needs it too. */
export { symmetricEigen } from '@salience/core';
export type { Features } from './feature-mask.js';
export { gridMask, resolveFeatures } from './feature-mask.js';
export type { KernelShapOptions } from './kernel-shap.js';
export { KERNEL_SHAP_INFINITE_WEIGHT, kernelShap } from './kernel-shap.js';
export type { LimeOptions } from './lime.js';
export { LIME_OPTION_KEYS, lime } from './lime.js';
export type { LassoOptions } from './linear-fit.js';
export { WeightedMoments, weightedLasso, weightedLeastSquares } from './linear-fit.js';
export type { FeatureOptions, ShapleyBaseline } from './prologue.js';
export { FEATURE_OPTION_KEYS } from './prologue.js';
export { kernelShapSampler, limeSampler, randomPermutation } from './sampling.js';
export type { ShapleySamplingOptions } from './shapley-sampling.js';
export { SHAPLEY_SAMPLING_OPTION_KEYS, shapleySampling } from './shapley-sampling.js';
export type { SuperpixelOptions } from './superpixels.js';
export { slicMask } from './superpixels.js';
export type { SurrogateOptions } from './surrogate.js';
export { SURROGATE_OPTION_KEYS } from './surrogate.js';
