import type { InfidelityResult } from '../metrics/infidelity.js';
import type { LocalizationResult } from '../metrics/localization.js';
import type { Similarity } from '../metrics/map-similarity.js';
import type { PerturbationCurves } from '../metrics/perturbation-curves.js';
import type { SensitivityMaxResult } from '../metrics/sensitivity-max.js';

export type CheckName = 'parameter-randomization' | 'label-randomization' | 'deletion' | 'infidelity' | 'max-sensitivity' | 'localization';

/** Every check, in report order. */
export const CHECKS: readonly CheckName[] = ['parameter-randomization', 'label-randomization', 'deletion', 'infidelity', 'max-sensitivity', 'localization'];

/** One cell of the method x check table. */
export interface CheckVerdict {
  readonly check: CheckName;
  readonly method: string;
  /** null for a measurement that has no pass rule (infidelity and max-sensitivity unless given a threshold). */
  readonly passed: boolean | null;
  /** The headline number the rule judges. */
  readonly value: number;
  readonly threshold: number | null;
  /** The rule, with the numbers filled in. */
  readonly rule: string;
}

/** The similarity of the trained model's maps and a randomised model's maps. */
export interface RandomizationStep {
  /** The layers that were re-initialised in this step. */
  readonly randomized: readonly string[];
  /** The layer this step adds (cascading) or randomises alone (independent). */
  readonly layer: string;
  readonly similarity: Similarity;
}

export interface ParameterRandomizationResult {
  /** The layers, from input to output. */
  readonly layers: readonly string[];
  /** From the output layer down: step k has the top k layers randomised; the last has all. */
  readonly cascading: readonly RandomizationStep[];
  /** Each layer alone. */
  readonly independent: readonly RandomizationStep[];
  /** With every layer randomised: what the verdict judges. */
  readonly full: Similarity;
  readonly verdict: CheckVerdict;
}

export interface LabelRandomizationResult {
  readonly similarity: Similarity;
  /** 'model': the model you gave; 'retrained': the trainer's model on the true labels. */
  readonly reference: 'model' | 'retrained';
  /** Accuracy on the evaluated examples' labels (when given) of the reference and the shuffled-label model. */
  readonly accuracy: { readonly reference: number; readonly randomized: number } | null;
  readonly verdict: CheckVerdict;
}

export interface DeletionResult extends PerturbationCurves {
  readonly margin: number;
  /** The same rule on insertion (most relevant first must rise faster); shown, not part of the verdict. */
  readonly insertionPassed: boolean;
  readonly verdict: CheckVerdict;
}

export interface InfidelityCheckResult extends InfidelityResult {
  readonly verdict: CheckVerdict;
}

export interface SensitivityCheckResult extends SensitivityMaxResult {
  readonly verdict: CheckVerdict;
}

export interface LocalizationCheckResult extends LocalizationResult {
  readonly verdict: CheckVerdict;
}

export interface MethodReport {
  /** The entry's name (default: the method's id). */
  readonly name: string;
  readonly methodId: string;
  readonly parameterRandomization?: ParameterRandomizationResult;
  readonly labelRandomization?: LabelRandomizationResult;
  readonly deletion?: DeletionResult;
  readonly infidelity?: InfidelityCheckResult;
  readonly maxSensitivity?: SensitivityCheckResult;
  readonly localization?: LocalizationCheckResult;
}

export interface SanityReport {
  /** Number of examples the maps explain. */
  readonly examples: number;
  /** The class each example was explained for. */
  readonly targets: Int32Array;
  readonly targetSource: 'labels' | 'predicted' | 'given';
  readonly checks: readonly CheckName[];
  /** Checks not run, and why. */
  readonly skipped: readonly { readonly check: CheckName; readonly reason: string }[];
  readonly methods: readonly MethodReport[];
  /** The method x check table, method-major in `CHECKS` order. */
  readonly verdicts: readonly CheckVerdict[];
  /** The seed of every random draw (random orders, noise, fresh weights, shuffled labels). */
  readonly seed: number;
}
