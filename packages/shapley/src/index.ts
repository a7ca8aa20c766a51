/**
 * @packageDocumentation
 * Shapley values and surrogates for salience: KernelSHAP, LIME and Shapley value sampling over
 * feature masks (a grid of cells for images, tokens for text, or your own groups). Forward-only:
 * they need only logits, so they explain any model, batched, with memory flat in the number of
 * samples. Feature ablation lives in `@salience/occlusion`.
 */
export type { FeatureOptions, ShapleyBaseline } from './prologue.js';
export type { Features } from './feature-mask.js';
export { gridMask, resolveFeatures } from './feature-mask.js';
export type { SurrogateOptions } from './surrogate.js';
export type { KernelShapOptions } from './kernel-shap.js';
export { kernelShap, KERNEL_SHAP_INFINITE_WEIGHT } from './kernel-shap.js';
export type { LimeOptions } from './lime.js';
export { lime } from './lime.js';
export type { ShapleySamplingOptions } from './shapley-sampling.js';
export { shapleySampling } from './shapley-sampling.js';
export type { LassoOptions } from './linear-fit.js';
export { WeightedMoments, weightedLasso, weightedLeastSquares } from './linear-fit.js';
/** Re-exported from `@salience/core`, where it lives since EigenCAM needs it too. */
export { symmetricEigen } from '@salience/core';
export { kernelShapSampler, limeSampler, randomPermutation } from './sampling.js';
export { FEATURE_OPTION_KEYS } from './prologue.js';
export { SURROGATE_OPTION_KEYS } from './surrogate.js';
export { LIME_OPTION_KEYS } from './lime.js';
export { SHAPLEY_SAMPLING_OPTION_KEYS } from './shapley-sampling.js';
export type { SuperpixelOptions } from './superpixels.js';
export { slicMask } from './superpixels.js';
