import type { ModelRequest, Objective, TensorData } from '@salience/core';
import { createRng, objectiveAndLogitGradient } from '@salience/core';
import type { ConformanceSubject } from './subject.js';
import { has, repeatRows, runChecked } from './subject.js';

/** Where finite differences are taken: the input itself, or a token model's embeddings. */
export interface PerturbationSpace {
  readonly output: 'inputGradients' | 'embeddingGradients';
  readonly what: string;
  /** The point to differentiate at, [B, ...]. */
  readonly base: TensorData;
  /** Request fields that run the model at `points`, which hold each base row `times` times in a row. */
  request(points: TensorData, times: number): Pick<ModelRequest, 'input' | 'embeddings'>;
}

/** The space that a model can be perturbed in, or undefined when it has none (token ids without embeddings). */
export async function perturbationSpace(subject: ConformanceSubject): Promise<PerturbationSpace | undefined> {
  const { model, input } = subject;
  if (model.layout !== 'tokens') {
    return { output: 'inputGradients', what: 'input', base: input, request: (points) => ({ input: points }) };
  }
  if (!has(subject, 'embeddings')) return undefined;
  const { embeddings } = await runChecked(model, { input, outputs: ['embeddings'] });
  return {
    output: 'embeddingGradients',
    what: 'embeddings',
    base: embeddings,
    request: (points, times) => ({ input: repeatRows(input, times), embeddings: points }),
  };
}

/** Step sizes relative to each row's norm: small enough for float32 kinks to be rare, large enough for its rounding. */
const RELATIVE_STEP = 1e-3;
/** Rounding of float32 logits, relative to their size, that the differences are allowed to carry. */
const LOGIT_ROUNDING = 1e-5;

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A unit vector: `v` normalised, or a seeded random direction when `v` is zero or absent. */
export function unitDirection(size: number, seed: number, v?: ArrayLike<number>): Float64Array {
  const n = v ? norm(v) : 0;
  if (v && n > 0) return Float64Array.from(v, (x) => x / n);
  const d = Float64Array.from({ length: size }, createRng(seed).normal);
  const dn = norm(d);
  return d.map((x) => x / dn);
}

export interface DirectionalProbe {
  readonly row: number;
  readonly direction: Float64Array;
}

/** The base rows moved along each probe's direction by +h, -h, +h/2, -h/2: 4 rows per probe. */
export function probePoints(base: TensorData, probes: readonly DirectionalProbe[]): { points: TensorData; steps: Float64Array } {
  const size = base.data.length / base.shape[0]!;
  const data = new Float32Array(probes.length * 4 * size);
  const steps = new Float64Array(probes.length);
  probes.forEach((p, i) => {
    const x = base.data.subarray(p.row * size, (p.row + 1) * size);
    const h = RELATIVE_STEP * (norm(x) || 1);
    steps[i] = h;
    [h, -h, h / 2, -h / 2].forEach((s, k) => {
      const out = data.subarray((i * 4 + k) * size, (i * 4 + k + 1) * size);
      for (let j = 0; j < size; j++) out[j] = x[j]! + s * p.direction[j]!;
    });
  });
  return { points: { data, shape: [probes.length * 4, ...base.shape.slice(1)] }, steps };
}

/**
 * Central differences of per-row values at probe points: the Richardson estimate (error O(h^4)),
 * and the disagreement between the two step sizes, an estimate of how far the estimate may be off.
 */
export function centralDifference(values: ArrayLike<number>, probe: number, h: number): { estimate: number; spread: number } {
  const at = (k: number) => values[probe * 4 + k];
  const coarse = (at(0)! - at(1)!) / (2 * h);
  const fine = (at(2)! - at(3)!) / h;
  return { estimate: (4 * fine - coarse) / 3, spread: Math.abs(coarse - fine) };
}

/** How much float32 rounding of the logits can move a difference quotient of the objective of `row`. */
export function roundingAllowance(logits: TensorData, targets: Int32Array, objective: Objective, row: number, h: number): number {
  const classes = logits.shape[1]!;
  const { gradient } = objectiveAndLogitGradient(logits, targets, objective);
  let l1 = 0;
  let zmax = 1;
  for (let c = 0; c < classes; c++) {
    l1 += Math.abs(gradient[row * classes + c]!);
    zmax = Math.max(zmax, Math.abs(logits.data[row * classes + c]!));
  }
  return (LOGIT_ROUNDING * l1 * zmax) / h;
}

/** Soft labels for cross-entropy, positive and summing to 1 per row, from a seed. */
export function softLabels(rows: number, classes: number, seed: number): TensorData {
  const rng = createRng(seed);
  const data = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let c = 0; c < classes; c++) total += data[r * classes + c] = 0.1 + rng.uniform();
    for (let c = 0; c < classes; c++) data[r * classes + c]! /= total;
  }
  return { data, shape: [rows, classes] };
}

/** The same objective with its labels (if any) repeated to match rows repeated `times` times. */
export function repeatObjective(objective: Objective, times: number): Objective {
  if (typeof objective === 'object' && objective.labels) return { kind: 'cross-entropy', labels: repeatRows(objective.labels, times) };
  return objective;
}

export function repeatTargets(targets: Int32Array, times: number): Int32Array {
  return Int32Array.from({ length: targets.length * times }, (_, i) => targets[Math.floor(i / times)]!);
}
