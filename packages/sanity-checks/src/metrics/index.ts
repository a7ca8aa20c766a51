/**
 * @packageDocumentation
 * The faithfulness metrics of `@salience/sanity-checks` on their own, without the checks that run
 * them: deletion and insertion curves, infidelity, max-sensitivity, localisation against masks, and
 * the map similarities (Spearman, SSIM, top-k intersection) between attribution maps. They need only
 * `@salience/core`; `@salience/audit` builds on them.
 */

export type { InfidelityOptions, InfidelityResult, Perturbation } from './infidelity.js';
export { attributionPerElement, infidelity } from './infidelity.js';
export type { LocalizationOptions, LocalizationResult } from './localization.js';
export { localization } from './localization.js';
export type { Similarity, SimilarityDetail, SimilarityOptions } from './map-similarity.js';
export { mapSimilarity, SIMILARITY_MEASURES } from './map-similarity.js';
export type { InputGrid, Maps2d } from './maps.js';
export { inputGrid, toMaps2d } from './maps.js';
export type { Curve, CurveSet, PerturbationCurves, PerturbationFeatures, PerturbationOptions } from './perturbation-curves.js';
export { perturbationCurves } from './perturbation-curves.js';
export type { Replacement } from './replacement.js';
export { defaultBlurSigma, REPLACEMENTS, replacementOf } from './replacement.js';
export type { SensitivityMaxOptions, SensitivityMaxResult } from './sensitivity-max.js';
export { sensitivityMax } from './sensitivity-max.js';
export { pearson, ranks, spearman } from './spearman.js';
export { SSIM_K1, SSIM_K2, SSIM_SIGMA, SSIM_WINDOW, ssim } from './ssim.js';
export { topKIndices, topKIntersection } from './top-k.js';
