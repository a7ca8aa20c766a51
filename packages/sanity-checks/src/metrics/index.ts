/**
 * @packageDocumentation
 * The faithfulness metrics of `@salience/sanity-checks` on their own, without the checks that run
 * them: deletion and insertion curves, infidelity, max-sensitivity, localisation against masks, and
 * the map similarities (Spearman, SSIM, top-k intersection) between attribution maps. They need only
 * `@salience/core`; `@salience/audit` builds on them.
 */
export type { PerturbationOptions, PerturbationFeatures, PerturbationCurves, Curve, CurveSet } from './perturbation-curves.js';
export { perturbationCurves } from './perturbation-curves.js';
export type { Replacement } from './replacement.js';
export { REPLACEMENTS, replacementOf, defaultBlurSigma } from './replacement.js';
export type { InfidelityOptions, InfidelityResult, Perturbation } from './infidelity.js';
export { infidelity, attributionPerElement } from './infidelity.js';
export type { SensitivityMaxOptions, SensitivityMaxResult } from './sensitivity-max.js';
export { sensitivityMax } from './sensitivity-max.js';
export type { LocalizationOptions, LocalizationResult } from './localization.js';
export { localization } from './localization.js';

export type { Similarity, SimilarityDetail, SimilarityOptions } from './map-similarity.js';
export { mapSimilarity, SIMILARITY_MEASURES } from './map-similarity.js';
export { spearman, pearson, ranks } from './spearman.js';
export { ssim, SSIM_K1, SSIM_K2, SSIM_WINDOW, SSIM_SIGMA } from './ssim.js';
export { topKIntersection, topKIndices } from './top-k.js';
export type { Maps2d, InputGrid } from './maps.js';
export { toMaps2d, inputGrid } from './maps.js';
