import { OptionError, ShapeError } from './errors.js';
import type { Objective } from './model.js';
import type { TensorData } from './tensor.js';
import { gatherRows } from './tensor.js';

export function objectiveName(objective: Objective | undefined): string {
  if (objective === undefined) return 'logit';
  return typeof objective === 'string' ? objective : objective.kind;
}

export function checkObjective(objective: Objective | undefined, rows: number, classes?: number): void {
  if (objective === undefined || objective === 'logit' || objective === 'probability' || objective === 'log-probability') return;
  if (typeof objective === 'object' && objective.kind === 'cross-entropy') {
    const labels = objective.labels;
    if (labels && (labels.shape.length !== 2 || labels.shape[0] !== rows || (classes !== undefined && labels.shape[1] !== classes))) {
      throw new ShapeError(`Cross-entropy labels have shape [${labels.shape}]; expected [${rows}, ${classes ?? 'classes'}].`);
    }
    return;
  }
  throw new OptionError(`Unknown objective ${JSON.stringify(objective)}; use 'logit', 'probability', 'log-probability' or { kind: 'cross-entropy', labels? }.`);
}

/**
 * The objective of each row and its gradient with respect to the logits, computed in plain
 * JavaScript. Adapters whose framework differentiates the whole graph do not need this; models
 * that only know d logits / d input (analytic fakes, hand-written adapters) chain through it.
 */
export function objectiveAndLogitGradient(logits: TensorData, targets: Int32Array, objective: Objective = 'logit'): { values: Float32Array; gradient: Float32Array } {
  const [rows, classes] = logits.shape as [number, number];
  checkObjective(objective, rows, classes);
  const values = new Float32Array(rows);
  const gradient = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const z = logits.data.subarray(r * classes, (r + 1) * classes);
    const g = gradient.subarray(r * classes, (r + 1) * classes);
    const t = targets[r]!;
    if (objective === 'logit') {
      values[r] = z[t]!;
      g[t] = 1;
      continue;
    }
    let max = -Infinity;
    for (const v of z) max = Math.max(max, v);
    let sum = 0;
    for (const v of z) sum += Math.exp(v - max);
    const logSum = max + Math.log(sum);
    const p = (c: number) => Math.exp(z[c]! - logSum);
    if (objective === 'probability') {
      const pt = p(t);
      values[r] = pt;
      for (let c = 0; c < classes; c++) g[c] = pt * ((c === t ? 1 : 0) - p(c));
    } else if (objective === 'log-probability') {
      values[r] = z[t]! - logSum;
      for (let c = 0; c < classes; c++) g[c] = (c === t ? 1 : 0) - p(c);
    } else {
      const labels = objective.labels;
      let total = 0;
      let loss = 0;
      for (let c = 0; c < classes; c++) {
        const y = (labels ? labels.data[r * classes + c] : c === t ? 1 : 0)!;
        total += y;
        loss -= y * (z[c]! - logSum);
      }
      values[r] = loss;
      for (let c = 0; c < classes; c++) {
        const y = (labels ? labels.data[r * classes + c] : c === t ? 1 : 0)!;
        g[c] = total * p(c) - y;
      }
    }
  }
  return { values, gradient };
}

/**
 * The objective for rows built from input examples (several targets, noise samples, path steps):
 * cross-entropy labels are given per input example, so each row takes the labels of its example.
 */
export function objectiveForRows(objective: Objective | undefined, exampleOfRow: ArrayLike<number>): Objective | undefined {
  if (typeof objective === 'object' && objective.kind === 'cross-entropy' && objective.labels) {
    return { kind: 'cross-entropy', labels: gatherRows(objective.labels, exampleOfRow) };
  }
  return objective;
}
