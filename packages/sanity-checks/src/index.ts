/**
 * @packageDocumentation
 * Sanity checks and faithfulness metrics for saliency methods: parameter and label randomisation
 * (Adebayo et al. 2018), deletion and insertion curves, infidelity and max-sensitivity (as Captum
 * defines them), localisation against ground-truth masks; negative controls that must fail them;
 * and a planted-evidence benchmark. `runSanityChecks` runs them all and returns one report.
 */

export type { PlantedShape, PlantedShapesData, PlantedShapesOptions } from './benchmark/planted-shapes.js';
export { PLANTED_SHAPES, plantedShapes } from './benchmark/planted-shapes.js';
export { randomMap, sobelEdges } from './checks/controls.js';
export type { LabelRandomizationOptions } from './checks/label-randomization.js';
export { accuracy, shuffledLabels } from './checks/label-randomization.js';
export type { MethodEntry, MethodSpec } from './checks/method-entry.js';

export type { ParameterRandomizationOptions, RandomizationMode } from './checks/parameter-randomization.js';
export { WEIGHT_LAYER_KINDS, weightLayers } from './checks/parameter-randomization.js';
export type {
  CheckName,
  CheckVerdict,
  DeletionResult,
  InfidelityCheckResult,
  LabelRandomizationResult,
  LocalizationCheckResult,
  MethodReport,
  ParameterRandomizationResult,
  RandomizationStep,
  SanityReport,
  SensitivityCheckResult,
} from './checks/report.js';
export { CHECKS } from './checks/report.js';
export { reportTable } from './checks/report-table.js';
export type { SanityCheckOptions, SanityData, SanityProgress } from './checks/run-sanity-checks.js';
export { DEFAULT_DELETION_MARGIN, DEFAULT_MAX_SIMILARITY, DEFAULT_MIN_HIT_RATE, runSanityChecks } from './checks/run-sanity-checks.js';
export type { Trainer } from './checks/trainer.js';
// The metrics alone (what @salience/audit uses) are also `@salience/sanity-checks/metrics`.
export * from './metrics/index.js';
