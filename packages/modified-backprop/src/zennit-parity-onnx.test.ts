import type { TensorData } from '@salience/core';
import { fromOnnx, type OnnxModel } from '@salience/onnx';
import { expectMapsClose } from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKPROP_MODELS, type BackpropModel, loadBackpropFixture, loadZennitFixture, type ZennitFixture } from '../test/fixtures.js';
import { type LrpOptions, lrp } from './lrp.js';

const TOLERANCE = 1e-4;

/** Largest difference in any map (row) relative to that map's largest magnitude in the reference. */
function relativeError(got: TensorData, want: TensorData): number {
  const rows = want.shape[0]!;
  const size = want.data.length / rows;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let diff = 0;
    let top = 0;
    for (let i = r * size; i < (r + 1) * size; i++) {
      diff = Math.max(diff, Math.abs(got.data[i]! - want.data[i]!));
      top = Math.max(top, Math.abs(want.data[i]!));
    }
    worst = Math.max(worst, diff / top);
  }
  return worst;
}

/**
 * lrp with a fixture case's options matches Zennit within 1e-4 of each map's max, or the float32 floor where that is higher
 * (how far float32 Zennit is from float64 Zennit: resnetlite's z_plus_gamma, epsilon 1e-6 on its convolutions, divides by
 * outputs near zero: 4.6e-4), and is no further from float64 Zennit than float32 Zennit is, give or take 1e-4.
 */
async function expectZennitParity(model: OnnxModel, input: TensorData, target: Int32Array, zennit: ZennitFixture, key: string, label: string): Promise<void> {
  const options = zennit.cases.find((c) => c.name === key)!.options;
  const result = await lrp.attribute(model, input, { target, ...(options as LrpOptions) });
  const floor = relativeError(zennit.arrays[key]!, zennit.arrays[`${key}_f64`]!);
  expectMapsClose(result.values, zennit.arrays[key]!, Math.max(TOLERANCE, floor), `${label} Zennit ${key}`);
  expect(relativeError(result.values, zennit.arrays[`${key}_f64`]!), `${label} ${key} vs float64`).toBeLessThanOrEqual(floor + TOLERANCE);
}

describe.each(BACKPROP_MODELS)("Zennit's composites and layer maps on %s through onnxruntime-node", (name: BackpropModel) => {
  const zennit: ZennitFixture = loadZennitFixture(name);
  const { arrays, target } = loadBackpropFixture(name);
  const models: { label: string; model: OnnxModel }[] = [];
  beforeAll(async () => {
    const options = { sessionOptions: { intraOpNumThreads: 1 } };
    models.push({ label: 'BatchNorm folded by the export', model: await fromOnnx(ort, loadBackpropFixture(name).modelBytes, options) });
    if (zennit.unfoldedModelBytes) models.push({ label: 'BatchNormalization nodes kept', model: await fromOnnx(ort, zennit.unfoldedModelBytes, options) });
  });
  afterAll(() => {
    for (const { model } of models) model.dispose();
  });

  it.each(zennit.cases.map((c) => [c.name] as const))('matches Zennit %s within 1e-4 of each map max (or the float32 floor), and float64 Zennit as closely', async (key) => {
    expect(models.length).toBe(zennit.unfoldedModelBytes ? 2 : 1);
    for (const { label, model } of models) await expectZennitParity(model, arrays.input!, target, zennit, key, `${name} (${label})`);
  });
});

describe('Zennit on dense layers with a BatchNorm after the first (mlpbn: Linear, BatchNorm1d, ReLU, Linear; the BatchNorm kept in the graph)', () => {
  const zennit = loadZennitFixture('mlpbn');
  const target = Int32Array.from(zennit.arrays.target!.data);
  let model: OnnxModel;
  beforeAll(async () => {
    model = await fromOnnx(ort, zennit.unfoldedModelBytes!, { sessionOptions: { intraOpNumThreads: 1 } });
  });
  afterAll(() => model.dispose());

  it('runs the exported model (BatchNormalization after the Gemm) to the fixture logits', async () => {
    expect(model.layout).toBe('NC');
    const { logits } = await model.run({ input: zennit.arrays.input!, outputs: ['logits'] });
    expectMapsClose(logits, zennit.arrays.logits!, 1e-5, 'mlpbn logits');
  });

  it.each(zennit.cases.map((c) => [c.name] as const))('matches Zennit %s, the BatchNorm folded into the Gemm before it', async (key) => {
    await expectZennitParity(model, zennit.arrays.input!, target, zennit, key, 'mlpbn');
  });
});
