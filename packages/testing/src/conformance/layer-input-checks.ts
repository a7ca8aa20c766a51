import type { TensorData } from '@salience/core';
import { compareMaps } from '../compare.js';
import type { ConformanceSubject } from './subject.js';
import { BATCH_TOLERANCE, baseline, expectRejection, fail, runChecked } from './subject.js';

function same(a: TensorData, b: TensorData, what: string): void {
  if (a.shape.join() !== b.shape.join()) fail(`${what}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ.`);
  const c = compareMaps(a, b);
  if (c.relativeError > BATCH_TOLERANCE) {
    const w = c.worst;
    fail(`${what}: row ${w.map} at [${w.at.join(', ')}]: ${w.actual} vs ${w.expected} (${w.relativeError.toPrecision(3)} x max).`);
  }
}

/** Rows of `t` in the order `order` (a row index per output row). */
function pickRows(t: TensorData, order: readonly number[]): TensorData {
  const size = t.data.length / t.shape[0]!;
  const data = new Float32Array(order.length * size);
  order.forEach((r, i) => {
    data.set(t.data.subarray(r * size, (r + 1) * size), i * size);
  });
  return { data, shape: [order.length, ...t.shape.slice(1)] };
}

async function activationsOf(subject: ConformanceSubject): Promise<TensorData> {
  const { model, input, layer } = subject;
  return (await runChecked(model, { input, outputs: ['layerActivations'], layer })).layerActivations;
}

/**
 * Run from the layer's own activations, the model gives its own logits; one row at a time, the same.
 * Where every path from the input goes through the layer (`layerIsCut`), the logits follow the given
 * activations and not the input: activations of other rows give those rows' logits.
 */
export async function checkRunsFromLayer(subject: ConformanceSubject): Promise<void> {
  const { model, input, layer } = subject;
  if (layer === undefined) fail('This check needs a subject layer.');
  const { logits } = await baseline(subject);
  const activations = await activationsOf(subject);
  const from = (await runChecked(model, { input, layer, layerActivations: activations, outputs: ['logits'] })).logits;
  same(from, logits, `Logits run from the layer's own activations at '${layer}' differ from the model's logits`);
  const rows = input.shape[0]!;
  const single = (await runChecked(model, { input: pickRows(input, [1]), layer, layerActivations: pickRows(activations, [1]), outputs: ['logits'] })).logits;
  same(single, pickRows(logits, [1]), `Logits run from the activations of row 1 alone differ from the same row in a batch`);
  if (subject.layerIsCut) {
    // Each row fed with the activations of the next row.
    const shifted = Array.from({ length: rows }, (_, r) => (r + 1) % rows);
    const crossed = (await runChecked(model, { input, layer, layerActivations: pickRows(activations, shifted), outputs: ['logits'] })).logits;
    same(crossed, pickRows(logits, shifted), `Every path goes through '${layer}', so logits run from another row's activations must be that row's logits; they`);
  }
}

/** Running from a layer takes logits only and activations of the layer's shape, one row per row of the input. */
export async function checkRejectsBadLayerActivations(subject: ConformanceSubject): Promise<void> {
  const { model, input, layer } = subject;
  const activations = await activationsOf(subject);
  // The model checks the shape against layers() when that gives one.
  const declared = model.layers().find((l) => l.name === layer || l.aliases?.includes(layer!))?.outputShape ?? [];
  const wide = { data: new Float32Array(activations.data.length * 2), shape: [activations.shape[0]!, ...activations.shape.slice(1, -1), activations.shape.at(-1)! * 2] };
  if (declared.length > 0) {
    await expectRejection(model, { input, layer, layerActivations: wide, outputs: ['logits'] }, 'INVALID_SHAPE', 'request.layerActivations twice as wide as the layer');
  }
  const fewer = pickRows(activations, [0]);
  await expectRejection(model, { input, layer, layerActivations: fewer, outputs: ['logits'] }, 'INVALID_SHAPE', 'request.layerActivations with one row for several input rows');
  await expectRejection(
    model,
    { input, layer, layerActivations: activations, outputs: ['layerActivations'] },
    'INVALID_OPTION',
    'request.layerActivations with an output other than logits',
  );
}

/** A model that does not declare `runsFromLayers` refuses `request.layerActivations` with a CapabilityError, whatever the layer. */
export async function checkRefusesLayerActivations(subject: ConformanceSubject): Promise<void> {
  const { model, input } = subject;
  const layer = subject.layer ?? model.layers()[0]?.name ?? 'any-layer';
  const activations = { data: Float32Array.from(input.data), shape: [...input.shape] };
  await expectRejection(
    model,
    { input, layer, layerActivations: activations, outputs: ['logits'] },
    'MISSING_CAPABILITY',
    'request.layerActivations on a model without runsFromLayers',
  );
}
