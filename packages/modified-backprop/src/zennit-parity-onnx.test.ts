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
  const rows = want.shape[0];
  const size = want.data.length / rows;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let diff = 0;
    let top = 0;
    for (let i = r * size; i < (r + 1) * size; i++) {
      diff = Math.max(diff, Math.abs(got.data[i] - want.data[i]));
      top = Math.max(top, Math.abs(want.data[i]));
    }
    worst = Math.max(worst, diff / top);
  }
  return worst;
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

  it.each(zennit.cases.map((c) => [c.name, c] as const))(
    'matches Zennit %s within 1e-4 of each map max (or the float32 floor), and float64 Zennit as closely',
    async (_, { name: key, options }) => {
      expect(models.length).toBe(zennit.unfoldedModelBytes ? 2 : 1);
      for (const { label, model } of models) {
        const result = await lrp.attribute(model, arrays.input, { target, ...(options as LrpOptions) });
        // 1e-4 of each map's max, or the float32 floor where it is higher: how far float32 Zennit is from float64 Zennit
        // (resnetlite's z_plus_gamma, epsilon 1e-6 on its convolutions, divides by outputs near zero: 4.6e-4).
        const floor = relativeError(zennit.arrays[key], zennit.arrays[`${key}_f64`]);
        expectMapsClose(result.values, zennit.arrays[key], Math.max(TOLERANCE, floor), `${name} (${label}) Zennit ${key}`);
        expect(relativeError(result.values, zennit.arrays[`${key}_f64`]), `${name} (${label}) ${key} vs float64`).toBeLessThanOrEqual(floor + TOLERANCE);
      }
    },
  );
});
