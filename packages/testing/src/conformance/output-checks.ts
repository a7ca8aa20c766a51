import type { ModelOutputs, OutputName, RowTarget, TensorData } from '@salience/core';
import { compareMaps } from '../compare.js';
import type { ConformanceSubject } from './subject.js';
import { BATCH_TOLERANCE, baseline, expectRejection, fail, formatShape, has, runChecked } from './subject.js';

/** The gradient outputs that can be requested of this subject (layer gradients need the subject's layer). */
export function testableGradients(subject: ConformanceSubject): OutputName[] {
  const out: OutputName[] = [];
  if (has(subject, 'inputGradients')) out.push('inputGradients');
  if (has(subject, 'embeddingGradients')) out.push('embeddingGradients');
  if (has(subject, 'layerGradients') && subject.layer !== undefined) out.push('layerGradients');
  return out;
}

function sameWithin(a: TensorData, b: TensorData, tol: number): { ok: boolean; worst: string } {
  if (a.shape.join() !== b.shape.join()) return { ok: false, worst: `shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}]` };
  const c = compareMaps(a, b);
  const w = c.worst;
  return {
    ok: c.relativeError <= tol,
    worst: `row ${w.map} at [${w.at.join(', ')}]: ${w.actual} vs ${w.expected} (${w.relativeError.toPrecision(3)} x max)`,
  };
}

/** Row r of `t` as a one-row tensor. */
function rowOf(t: TensorData, r: number): TensorData {
  const size = t.data.length / t.shape[0]!;
  return { data: t.data.subarray(r * size, (r + 1) * size), shape: [1, ...t.shape.slice(1)] };
}

/** Input gradients have the input's shape and are finite. */
export async function checkInputGradientShape(subject: ConformanceSubject): Promise<void> {
  const { targets } = await baseline(subject);
  const { inputGradients } = await runChecked(subject.model, { input: subject.input, outputs: ['inputGradients'], target: Array.from(targets) });
  if (inputGradients.shape.join() !== subject.input.shape.join()) {
    fail(`inputGradients have shape [${inputGradients.shape.join(', ')}]; expected the input's shape [${subject.input.shape.join(', ')}].`);
  }
  const bad = inputGradients.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) fail(`inputGradients value ${bad} is ${inputGradients.data[bad]}.`);
}

/**
 * Targets: a number means that class for every example; an array (plain or typed) gives each
 * example its own class; 'predicted' is each example's argmax; and the target changes the answer.
 */
export async function checkTargets(subject: ConformanceSubject): Promise<void> {
  const { model, input, layer } = subject;
  const { predicted, targets, classes } = await baseline(subject);
  const outputs = testableGradients(subject);
  const ask = async (target: RowTarget) => (await runChecked(model, { input, outputs, target, layer })) as Partial<ModelOutputs>;
  // A typed array here, plain arrays below: both forms of "one class per example" are exercised.
  const perRow = await ask(Int32Array.from(targets));
  const byClass = new Map<number, Partial<ModelOutputs>>();
  for (const c of new Set(targets)) byClass.set(c, await ask(c));
  const byPrediction = await ask('predicted');
  const byArgmax = await ask(Array.from(predicted));
  for (const output of outputs) {
    const pick = (o: Partial<ModelOutputs>) => o[output] as TensorData;
    for (let r = 0; r < targets.length; r++) {
      const same = sameWithin(rowOf(pick(perRow), r), rowOf(pick(byClass.get(targets[r]!)!), r), BATCH_TOLERANCE);
      if (!same.ok) {
        fail(`${output}: example ${r} with target ${targets[r]} in a per-example array differs from the same example with target: ${targets[r]} (${same.worst}).`);
      }
    }
    const same = sameWithin(pick(byPrediction), pick(byArgmax), BATCH_TOLERANCE);
    if (!same.ok) fail(`${output}: target 'predicted' differs from the argmax of the logits, [${Array.from(predicted).join(', ')}] (${same.worst}).`);
    if (classes > 1 && !compareMaps(pick(perRow), pick(byPrediction)).maps.some((m) => m.relativeError > 1e-3)) {
      fail(
        `${output}: targets [${Array.from(targets).join(', ')}] give the same values as the predicted classes [${Array.from(predicted).join(', ')}] for every example; the model seems to ignore the target.`,
      );
    }
  }
}

/** Layer activations match layers()'s outputShape, layer gradients match the activations, and activations do not depend on the target. */
export async function checkLayerOutputs(subject: ConformanceSubject): Promise<void> {
  const { model, input, layer } = subject;
  if (layer === undefined) fail('This check needs a subject layer.');
  const info = model.layers().find((l) => l.name === layer);
  if (!info) fail(`Layer '${layer}' is not in layers().`);
  const rows = input.shape[0];
  const { targets, predicted } = await baseline(subject);
  const expectedShape = [rows, ...info.outputShape.slice(1)];
  const fitsInfo = (t: TensorData) => t.shape.length === expectedShape.length && expectedShape.every((d, i) => d === null || d === t.shape[i]);
  let activations: TensorData | undefined;
  if (has(subject, 'layerActivations')) {
    activations = (await runChecked(model, { input, outputs: ['layerActivations'], layer })).layerActivations;
    if (!fitsInfo(activations)) {
      fail(`layerActivations of '${layer}' have shape [${activations.shape.join(', ')}]; layers() says ${formatShape(info.outputShape)} (batch ${rows}).`);
    }
    const bad = activations.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`layerActivations value ${bad} of '${layer}' is ${activations.data[bad]}.`);
  }
  if (has(subject, 'layerGradients')) {
    const outputs: OutputName[] = activations ? ['layerActivations', 'layerGradients'] : ['layerGradients'];
    const both = await runChecked(model, { input, outputs, layer, target: Array.from(targets) });
    const grads = both.layerGradients;
    if (!fitsInfo(grads)) fail(`layerGradients of '${layer}' have shape [${grads.shape.join(', ')}]; layers() says ${formatShape(info.outputShape)} (batch ${rows}).`);
    if (activations) {
      const withGrads = (both as Pick<ModelOutputs, 'layerActivations'>).layerActivations;
      if (grads.shape.join() !== withGrads.shape.join()) {
        fail(`layerGradients [${grads.shape.join(', ')}] and layerActivations [${withGrads.shape.join(', ')}] of '${layer}' differ in shape.`);
      }
      let same = sameWithin(withGrads, activations, BATCH_TOLERANCE);
      if (!same.ok) fail(`layerActivations of '${layer}' change when layerGradients are requested with them (${same.worst}).`);
      const other = (await runChecked(model, { input, outputs: ['layerActivations', 'layerGradients'], layer, target: Array.from(predicted) })).layerActivations;
      same = sameWithin(other, activations, BATCH_TOLERANCE);
      if (!same.ok) fail(`layerActivations of '${layer}' depend on the target (${same.worst}).`);
    }
    const bad = grads.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`layerGradients value ${bad} of '${layer}' is ${grads.data[bad]}.`);
  }
}

/** Embeddings are [B, T, D]; running from them gives the logits of the ids; embedding gradients have their shape. */
export async function checkEmbeddings(subject: ConformanceSubject): Promise<void> {
  const { model, input } = subject;
  const rows = input.shape[0];
  const steps = input.shape[1];
  const { embeddings, logits } = await runChecked(model, { input, outputs: ['embeddings', 'logits'] });
  if (embeddings.shape.length !== 3 || embeddings.shape[0] !== rows || embeddings.shape[1] !== steps || embeddings.shape[2]! < 1) {
    fail(`embeddings have shape [${embeddings.shape.join(', ')}]; expected [${rows}, ${steps}, D] for ids [${input.shape.join(', ')}].`);
  }
  const fromEmbeddings = (await runChecked(model, { input, embeddings, outputs: ['logits'] })).logits;
  let same = sameWithin(fromEmbeddings, logits, BATCH_TOLERANCE);
  if (!same.ok) fail(`Logits computed from request.embeddings differ from the logits of the ids those embeddings came from (${same.worst}).`);
  const given = (await runChecked(model, { input, embeddings, outputs: ['embeddings'] })).embeddings;
  same = sameWithin(given, embeddings, 0);
  if (!same.ok) fail(`Asked for embeddings while running from request.embeddings, the model returned others (${same.worst}).`);
  if (has(subject, 'embeddingGradients')) {
    const { targets } = await baseline(subject);
    const { embeddingGradients } = await runChecked(model, { input, outputs: ['embeddingGradients'], target: Array.from(targets) });
    if (embeddingGradients.shape.join() !== embeddings.shape.join()) {
      fail(`embeddingGradients have shape [${embeddingGradients.shape.join(', ')}]; expected the embeddings' shape [${embeddings.shape.join(', ')}].`);
    }
  }
  const [b, t, d] = embeddings.shape as [number, number, number];
  const wrong = { data: new Float32Array(b * t * (d + 1)), shape: [b, t, d + 1] };
  await expectRejection(model, { input, embeddings: wrong, outputs: ['logits'] }, 'INVALID_SHAPE', 'request.embeddings with one extra dimension');
}
