/**
 * @packageDocumentation
 * Sanity checks and faithfulness metrics for saliency methods: parameter and label randomisation
 * (Adebayo et al. 2018), deletion and insertion curves, infidelity and max-sensitivity (as Captum
 * defines them), localisation against ground-truth masks; negative controls that must fail them;
 * and a planted-evidence benchmark. `runSanityChecks` runs them all and returns one report.
 */
export type { SanityData, SanityCheckOptions, SanityProgress } from './run-sanity-checks.js';
export { runSanityChecks, DEFAULT_MAX_SIMILARITY, DEFAULT_DELETION_MARGIN, DEFAULT_MIN_HIT_RATE } from './run-sanity-checks.js';
export type {
  CheckName,
  CheckVerdict,
  SanityReport,
  MethodReport,
  RandomizationStep,
  ParameterRandomizationResult,
  LabelRandomizationResult,
  DeletionResult,
  InfidelityCheckResult,
  SensitivityCheckResult,
  LocalizationCheckResult,
} from './report.js';
export { CHECKS } from './report.js';
export { reportTable } from './report-table.js';
export type { MethodEntry, MethodSpec } from './method-entry.js';

export type { RandomizationMode, ParameterRandomizationOptions } from './parameter-randomization.js';
export { WEIGHT_LAYER_KINDS, weightLayers } from './parameter-randomization.js';
export type { LabelRandomizationOptions } from './label-randomization.js';
export { shuffledLabels, accuracy } from './label-randomization.js';
export type { Trainer } from './trainer.js';

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

export { sobelEdges, randomMap } from './controls.js';
export type { PlantedShape, PlantedShapesOptions, PlantedShapesData } from './planted-shapes.js';
export { PLANTED_SHAPES, plantedShapes } from './planted-shapes.js';
