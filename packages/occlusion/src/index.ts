/**
 * @packageDocumentation
 * Forward-only attribution by perturbation: sliding-window occlusion and feature ablation. They
 * need only logits, so they explain any model, including ones that cannot be differentiated.
 */
export type { OcclusionOptions } from './occlusion.js';
export { occlusion, OCCLUSION_OPTION_KEYS } from './occlusion.js';
export type { FeatureAblationOptions } from './feature-ablation.js';
export { featureAblation, FEATURE_ABLATION_OPTION_KEYS } from './feature-ablation.js';
export type { OcclusionBaseline } from './baseline.js';
export type { WindowSize, WindowGrid } from './window.js';
export { windowGrid } from './window.js';
