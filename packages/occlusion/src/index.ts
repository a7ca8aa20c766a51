/**
 * @packageDocumentation
 * Forward-only attribution by perturbation: sliding-window occlusion and feature ablation. They
 * need only logits, so they explain any model, including ones that cannot be differentiated.
 */

export type { OcclusionBaseline } from './baseline.js';
export type { FeatureAblationOptions } from './feature-ablation.js';
export { FEATURE_ABLATION_OPTION_KEYS, featureAblation } from './feature-ablation.js';
export type { OcclusionOptions } from './occlusion.js';
export { OCCLUSION_OPTION_KEYS, occlusion } from './occlusion.js';
export type { WindowGrid, WindowSize } from './window.js';
export { windowGrid } from './window.js';
