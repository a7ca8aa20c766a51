import type { Objective, OutputName, TensorData } from '@salience/core';
import { objectiveAndLogitGradient, objectiveName } from '@salience/core';
import {
  centralDifference,
  type DirectionalProbe,
  dot,
  norm,
  perturbationSpace,
  probePoints,
  repeatObjective,
  repeatTargets,
  roundingAllowance,
  softLabels,
  unitDirection,
} from './perturbation.js';
import type { ConformanceSubject } from './subject.js';
import { baseline, DEFAULT_GRADIENT_TOLERANCE, fail, has, runChecked } from './subject.js';

/** The objectives that every gradient output is checked with. */
export type ObjectiveCase = 'logit' | 'probability' | 'log-probability' | 'cross-entropy' | 'cross-entropy-labels';

export const OBJECTIVE_CASES: readonly ObjectiveCase[] = ['logit', 'probability', 'log-probability', 'cross-entropy', 'cross-entropy-labels'];

export function objectiveFor(which: ObjectiveCase, rows: number, classes: number): Objective {
  if (which === 'cross-entropy') return { kind: 'cross-entropy' };
  if (which === 'cross-entropy-labels') return { kind: 'cross-entropy', labels: softLabels(rows, classes, 7) };
  return which;
}

function describeObjective(which: ObjectiveCase): string {
  return which === 'cross-entropy-labels' ? 'cross-entropy with soft labels' : which;
}

/**
 * The gradient of the input (or of a token model's embeddings) agrees with central finite
 * differences of the objective, computed from the model's own logits, along two directions per
 * example: the gradient's own (which a wrong sign or scale cannot pass) and a random one.
 */
export async function checkGradientObjective(subject: ConformanceSubject, which: ObjectiveCase): Promise<void> {
  const { model } = subject;
  const tol = subject.gradientTolerance ?? DEFAULT_GRADIENT_TOLERANCE;
  const space = await perturbationSpace(subject);
  if (!space || !has(subject, space.output)) fail(`The model declares no gradient that finite differences can check.`);
  const { logits, classes, targets } = await baseline(subject);
  const rows = logits.shape[0]!;
  const objective = objectiveFor(which, rows, classes);
  const target = Array.from(targets);
  const grads = (await runChecked(model, { ...space.request(space.base, 1), outputs: [space.output], target, objective }))[space.output];
  if (grads.shape.join() !== space.base.shape.join()) {
    fail(`${space.output} has shape [${grads.shape.join(', ')}]; expected the ${space.what}'s shape [${space.base.shape.join(', ')}].`);
  }
  const size = grads.data.length / rows;
  const probes: DirectionalProbe[] = [];
  for (let r = 0; r < rows; r++) {
    const g = grads.data.subarray(r * size, (r + 1) * size);
    probes.push({ row: r, direction: unitDirection(size, 100 + r, g) }, { row: r, direction: unitDirection(size, 200 + r) });
  }
  const { points, steps } = probePoints(space.base, probes);
  const perturbed = (await runChecked(model, { ...space.request(points, 8), outputs: ['logits'] })).logits;
  const values = objectiveAndLogitGradient(perturbed, repeatTargets(targets, 8), repeatObjective(objective, 8)).values;
  const failures: string[] = [];
  probes.forEach((p, i) => {
    const g = grads.data.subarray(p.row * size, (p.row + 1) * size);
    const analytic = dot(g, p.direction);
    const { estimate, spread } = centralDifference(values, i, steps[i]!);
    const allowed = tol * norm(g) + 2 * spread + roundingAllowance(logits, targets, objective, p.row, steps[i]!);
    if (!(Math.abs(estimate - analytic) <= allowed)) {
      failures.push(
        `example ${p.row}, ${i % 2 === 0 ? "along the gradient's own direction" : 'along a random direction'}: ` +
          `gradient . direction = ${analytic.toPrecision(6)}, finite differences give ${estimate.toPrecision(6)} (allowed error ${allowed.toPrecision(3)})`,
      );
    }
  });
  if (failures.length > 0) {
    fail(
      `${space.output} for objective '${describeObjective(which)}' (targets [${target.join(', ')}]) disagree with finite differences of that objective computed from the model's logits:\n  ${failures.join('\n  ')}`,
    );
  }
}

/** Most classes for which layer gradients are taken class by class to check the objectives. */
export const MAX_CLASSES_FOR_LAYER_OBJECTIVES = 64;

// The per-class layer gradients are shared by the checks of every objective of a subject.
const perClassCache = new WeakMap<ConformanceSubject, Promise<TensorData[]>>();

function layerGradientsPerClass(subject: ConformanceSubject, layer: string, classes: number): Promise<TensorData[]> {
  let cached = perClassCache.get(subject);
  if (!cached) {
    cached = (async () => {
      const out: TensorData[] = [];
      for (let c = 0; c < classes; c++) {
        out.push((await runChecked(subject.model, { input: subject.input, outputs: ['layerGradients'], layer, target: c, objective: 'logit' })).layerGradients);
      }
      return out;
    })();
    perClassCache.set(subject, cached);
    // A failure is reported by the check that hit it, and retried by the next.
    cached.catch(() => perClassCache.delete(subject));
  }
  return cached;
}

/** d objective / d layer = sum_c (d objective / d logit_c) (d logit_c / d layer): the chain rule through the logits. */
export async function checkLayerGradientObjective(subject: ConformanceSubject, which: ObjectiveCase): Promise<void> {
  const { model, input, layer } = subject;
  if (layer === undefined || !has(subject, 'layerGradients')) fail('This check needs a subject layer and the layerGradients capability.');
  const { logits, classes, targets } = await baseline(subject);
  if (classes > MAX_CLASSES_FOR_LAYER_OBJECTIVES) fail(`The model has ${classes} classes; this check runs one request per class and allows ${MAX_CLASSES_FOR_LAYER_OBJECTIVES}.`);
  const rows = logits.shape[0]!;
  const objective = objectiveFor(which, rows, classes);
  const perClass = await layerGradientsPerClass(subject, layer, classes);
  const got = (await runChecked(model, { input, outputs: ['layerGradients'], layer, target: Array.from(targets), objective })).layerGradients;
  if (got.shape.join() !== perClass[0]!.shape.join())
    fail(`layerGradients have shape [${got.shape.join(', ')}] for objective '${which}' but [${perClass[0]!.shape.join(', ')}] for 'logit'.`);
  const { gradient: dLogits } = objectiveAndLogitGradient(logits, targets, objective);
  const size = got.data.length / rows;
  const failures: string[] = [];
  for (let r = 0; r < rows; r++) {
    let worst = 0;
    let scale = 0;
    let at = 0;
    let expectedAt = 0;
    for (let i = 0; i < size; i++) {
      let expected = 0;
      let magnitude = 0;
      for (let c = 0; c < classes; c++) {
        const term = dLogits[r * classes + c]! * perClass[c]!.data[r * size + i]!;
        expected += term;
        magnitude += Math.abs(term);
      }
      scale = Math.max(scale, magnitude);
      const err = Math.abs(got.data[r * size + i]! - expected);
      if (!(err <= worst)) {
        worst = err;
        at = i;
        expectedAt = expected;
      }
    }
    if (!(worst <= 1e-3 * scale + 1e-30)) {
      failures.push(`example ${r}, value ${at}: got ${got.data[r * size + at]}, the chain rule gives ${expectedAt} (scale ${scale.toPrecision(3)})`);
    }
  }
  if (failures.length > 0) {
    fail(
      `layerGradients of '${layer}' for objective '${describeObjective(which)}' are not sum_c d${objectiveName(objective)}/dlogit_c x (layer gradient of logit c):\n  ${failures.join('\n  ')}`,
    );
  }
}

/**
 * For a layer that every path goes through, f(x + hd) - f(x - hd) ~ <d f / d layer, layer(x + hd) - layer(x - hd)>:
 * finite differences of the target logit against the layer gradient, along the input gradient's direction and a random one.
 */
export async function checkLayerGradientValues(subject: ConformanceSubject): Promise<void> {
  const { model, layer } = subject;
  const tol = subject.gradientTolerance ?? DEFAULT_GRADIENT_TOLERANCE;
  if (layer === undefined || !has(subject, 'layerGradients') || !has(subject, 'layerActivations')) {
    fail('This check needs a subject layer and the layerActivations and layerGradients capabilities.');
  }
  const space = await perturbationSpace(subject);
  if (!space) fail('A token model needs the embeddings capability (and request.embeddings) to be perturbed.');
  const { logits, targets } = await baseline(subject);
  const rows = logits.shape[0]!;
  const target = Array.from(targets);
  const outputs: OutputName[] = has(subject, space.output) ? ['layerGradients', space.output] : ['layerGradients'];
  const at = await runChecked(model, { ...space.request(space.base, 1), outputs, layer, target });
  const layerGrads = at.layerGradients;
  const inputGrads = (at as Partial<Record<OutputName, TensorData>>)[space.output];
  const size = space.base.data.length / rows;
  const layerSize = layerGrads.data.length / rows;
  const probes: DirectionalProbe[] = [];
  for (let r = 0; r < rows; r++) {
    const g = inputGrads?.data.subarray(r * size, (r + 1) * size);
    probes.push({ row: r, direction: unitDirection(size, 300 + r, g) }, { row: r, direction: unitDirection(size, 400 + r) });
  }
  const { points, steps } = probePoints(space.base, probes);
  const out = await runChecked(model, { ...space.request(points, 8), outputs: ['logits', 'layerActivations'], layer });
  if (out.layerActivations.data.length !== points.shape[0]! * layerSize) {
    fail(`layerActivations of '${layer}' have shape [${out.layerActivations.shape.join(', ')}], which does not match layerGradients [${layerGrads.shape.join(', ')}].`);
  }
  const values = objectiveAndLogitGradient(out.logits, repeatTargets(targets, 8), 'logit').values;
  const failures: string[] = [];
  probes.forEach((p, i) => {
    const gl = layerGrads.data.subarray(p.row * layerSize, (p.row + 1) * layerSize);
    // The layer's own central differences along d, projected on its gradient: the same quotients, one level down.
    const projected = Float64Array.from({ length: 4 }, (_, k) => dot(gl, out.layerActivations.data.subarray((i * 4 + k) * layerSize, (i * 4 + k + 1) * layerSize)));
    const viaLayer = centralDifference(projected, 0, steps[i]!);
    const direct = centralDifference(values, i, steps[i]!);
    const layerMotion = new Float64Array(layerSize);
    for (let j = 0; j < layerSize; j++) {
      const a = out.layerActivations.data;
      layerMotion[j] = (a[i * 4 * layerSize + j]! - a[(i * 4 + 1) * layerSize + j]!) / (2 * steps[i]!);
    }
    let activationMagnitude = 0;
    for (let j = 0; j < layerSize; j++) activationMagnitude += Math.abs(gl[j]! * out.layerActivations.data[i * 4 * layerSize + j]!);
    const allowed =
      tol * norm(gl) * norm(layerMotion) +
      2 * (viaLayer.spread + direct.spread) +
      roundingAllowance(logits, targets, 'logit', p.row, steps[i]!) +
      (1e-5 * activationMagnitude) / steps[i]!;
    if (!(Math.abs(viaLayer.estimate - direct.estimate) <= allowed)) {
      failures.push(
        `example ${p.row}, ${i % 2 === 0 ? 'along the input gradient' : 'along a random direction'}: ` +
          `<layer gradient, layer change> = ${viaLayer.estimate.toPrecision(6)}, change of the target logit = ${direct.estimate.toPrecision(6)} (allowed error ${allowed.toPrecision(3)})`,
      );
    }
  });
  if (failures.length > 0) {
    fail(`layerGradients of '${layer}' (targets [${target.join(', ')}]) disagree with finite differences through the layer:\n  ${failures.join('\n  ')}`);
  }
}
