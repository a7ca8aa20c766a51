/**
 * @packageDocumentation
 * Forward-only attribution by perturbation: sliding-window occlusion and feature ablation. They
 * need only logits, so they explain any model, including ones that cannot be differentiated.
 */
export type { OcclusionOptions } from './occlusion.js';
export { occlusion } from './occlusion.js';
export type { FeatureAblationOptions } from './feature-ablation.js';
export { featureAblation } from './feature-ablation.js';
export type { Baseline } from './baseline.js';
export type { WindowSize, WindowGrid } from './window.js';
export { windowGrid } from './window.js';
