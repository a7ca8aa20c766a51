import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelError, OptionError } from '@salience/core';
import { ModelGraph } from '@salience/onnx-autodiff';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { externalLocations } from './external-data.js';
import { fromOnnx } from './onnx-model.js';
import type { OrtModule } from './ort-types.js';

const dir = mkdtempSync(join(tmpdir(), 'salience-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// logits = x W with W [3, 2] kept in model.onnx_data, as a model over 2 GB is saved.
const weights = Float32Array.from([1, -2, 3, 0.5, -1, 4]);
function externalModel(location = 'model.onnx_data'): Uint8Array {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }] });
  const w = g.addInitializer({
    name: 'W',
    dataType: 1,
    dims: [3n, 2n],
    dataLocation: 1,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: '0' },
      { key: 'length', value: String(weights.byteLength) },
    ],
  });
  g.add('MatMul', ['x', w], undefined, { output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}

describe('models with external data files', () => {
  const bytes = externalModel();
  writeFileSync(join(dir, 'model.onnx'), bytes);
  writeFileSync(join(dir, 'model.onnx_data'), new Uint8Array(weights.buffer));

  it('lists the files the weights live in', () => {
    expect(externalLocations(ModelGraph.decode(bytes))).toEqual(['model.onnx_data']);
  });

  it('opened from a path, reads them from beside the model; gradients use the same weights', async () => {
    const model = await fromOnnx(ort as unknown as OrtModule, join(dir, 'model.onnx'), { sessionOptions: TEST_SESSION_OPTIONS });
    const input = { data: Float32Array.from([1, 2, 3]), shape: [1, 3] };
    const { logits, inputGradients } = await model.run({ input, outputs: ['logits', 'inputGradients'], target: 1 });
    expect(Array.from(logits.data)).toEqual([1 * 1 + 2 * 3 + 3 * -1, 1 * -2 + 2 * 0.5 + 3 * 4]);
    expect(Array.from(inputGradients.data)).toEqual([-2, 0.5, 4]);
    model.dispose();
  });

  it('opened from bytes, takes them from sessionOptions.externalData, and says so when they are missing', async () => {
    await expect(fromOnnx(ort as unknown as OrtModule, bytes)).rejects.toThrow(OptionError);
    await expect(fromOnnx(ort as unknown as OrtModule, bytes)).rejects.toThrow(/model\.onnx_data.*externalData/);
    const data = new Uint8Array(readFileSync(join(dir, 'model.onnx_data')));
    const model = await fromOnnx(ort as unknown as OrtModule, bytes, { sessionOptions: { ...TEST_SESSION_OPTIONS, externalData: [{ path: 'model.onnx_data', data }] } });
    const { inputGradients } = await model.run({ input: { data: Float32Array.from([0, 0, 0]), shape: [1, 3] }, outputs: ['inputGradients'], target: 0 });
    expect(Array.from(inputGradients.data)).toEqual([1, 3, -1]);
    model.dispose();
  });

  it('never reads a location outside the model folder (../, absolute paths, URLs)', async () => {
    const inner = join(dir, 'inner');
    mkdirSync(inner, { recursive: true });
    // The escaping target exists and holds valid weights: only the check can stop the read.
    for (const location of ['../model.onnx_data', join(dir, 'model.onnx_data'), 'sub/../../model.onnx_data', 'file:///etc/hostname']) {
      writeFileSync(join(inner, 'model.onnx'), externalModel(location));
      const opening = fromOnnx(ort as unknown as OrtModule, join(inner, 'model.onnx'), { sessionOptions: TEST_SESSION_OPTIONS });
      await expect(opening).rejects.toThrow(ModelError);
      await expect(fromOnnx(ort as unknown as OrtModule, join(inner, 'model.onnx'), { sessionOptions: TEST_SESSION_OPTIONS })).rejects.toThrow(/outside the model's folder/);
    }
  });
});
