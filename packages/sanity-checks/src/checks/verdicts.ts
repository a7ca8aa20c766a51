import { OptionError } from '@salience/core';
import type { LocalizationResult } from '../metrics/localization.js';
import type { Similarity } from '../metrics/map-similarity.js';
import type { PerturbationCurves } from '../metrics/perturbation-curves.js';
import type { CheckName, CheckVerdict } from './report.js';

const show = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(3) : v.toExponential(2)) : String(v));

/** Randomisation checks: the maps must change, so the similarity must be at most the threshold. */
export function measureVerdict(check: CheckName, method: string, similarity: Similarity, measure: keyof Similarity, max: number, against: string): CheckVerdict {
  const value = similarity[measure];
  const passed = value <= max;
  return {
    check,
    method,
    passed,
    value,
    threshold: max,
    rule: `mean ${measure} between the maps of the trained model and of ${against}: ${show(value)} ${passed ? '<=' : '>'} ${show(max)}`,
  };
}

/**
 * Deletion: removing the most relevant features first must lower the score faster than removing
 * them in random order and least relevant first: AUC(most) + margin <= AUC(random) and
 * AUC(most) + margin <= AUC(least).
 */
export function deletionVerdict(method: string, curves: PerturbationCurves, margin: number): { verdict: CheckVerdict; insertionPassed: boolean } {
  const { most, least, random } = curves.deletion;
  const passed = most.auc + margin <= random.auc && most.auc + margin <= least.auc;
  const ins = curves.insertion;
  const insertionPassed = ins.most.auc >= ins.random.auc + margin && ins.most.auc >= ins.least.auc + margin;
  const what = `${curves.objective} of the target, ${curves.features} ${curves.featureKind === 'pixels' ? 'pixels' : 'patches'} replaced by '${curves.replacement}'`;
  return {
    verdict: {
      check: 'deletion',
      method,
      passed,
      value: most.auc,
      threshold: Math.min(random.auc, least.auc) - margin,
      rule: `deletion AUC (${what}): most relevant first ${show(most.auc)} + margin ${show(margin)} ${passed ? '<=' : 'is not <='} random ${show(random.auc)} and least relevant first ${show(least.auc)}`,
    },
    insertionPassed,
  };
}

/** Infidelity and max-sensitivity: lower is better; a verdict only when a threshold is given. */
export function scoreVerdict(check: CheckName, method: string, value: number, max: number | undefined, what: string): CheckVerdict {
  if (max !== undefined && !Number.isFinite(max)) throw new OptionError(`The threshold of '${check}' must be a finite number; got ${max}.`);
  if (max === undefined) return { check, method, passed: null, value, threshold: null, rule: `mean ${what}: ${show(value)} (lower is better; no threshold)` };
  const passed = value <= max;
  return { check, method, passed, value, threshold: max, rule: `mean ${what}: ${show(value)} ${passed ? '<=' : '>'} ${show(max)}` };
}

export function pointingVerdict(method: string, result: LocalizationResult, minHitRate: number): CheckVerdict {
  const passed = result.hitRate >= minHitRate;
  return {
    check: 'localization',
    method,
    passed,
    value: result.hitRate,
    threshold: minHitRate,
    rule: `pointing-game hit rate ${show(result.hitRate)} ${passed ? '>=' : '<'} ${show(minHitRate)} (chance ${show(result.chance)}; relevance mass ${show(result.relevanceMass)})`,
  };
}
