import { ShapeError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { expectMapsClose } from './compare.js';
import { CAPTUM_MODELS, captumFixtureUrl, loadCaptumFixture, parseFixtureArrays } from './fixtures.js';

function binOf(values: number[], leadingBytes = 0): Uint8Array {
  const bytes = new Uint8Array(leadingBytes + values.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, v] of values.entries()) view.setFloat32(leadingBytes + i * 4, v, true);
  return bytes;
}

describe('parseFixtureArrays', () => {
  const manifest = {
    dtype: 'float32',
    byteOrder: 'little',
    model: 'toy',
    gradcamLayer: 'c3',
    arrays: {
      a: { offset: 0, shape: [2, 2] },
      occlusion: { offset: 16, shape: [2], method: 'Captum Occlusion', window: 4, stride: 2 },
    },
  };

  it('reads each array at its offset, with its method and extra fields, and the manifest metadata', () => {
    const { arrays, meta } = parseFixtureArrays(JSON.stringify(manifest), binOf([1, 2, 3, 4, 0.5, -7]).buffer);
    expect(arrays.a).toEqual({ data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2], extra: {} });
    expect(arrays.occlusion).toEqual({ data: Float32Array.from([0.5, -7]), shape: [2], method: 'Captum Occlusion', extra: { window: 4, stride: 2 } });
    expect(meta).toEqual({ model: 'toy', gradcamLayer: 'c3' });
  });

  it('reads from an unaligned view of a larger buffer and copies the data', () => {
    const bytes = binOf([1, 2, 3, 4, 0.5, -7], 3);
    const { arrays } = parseFixtureArrays(manifest, bytes.subarray(3));
    expect(Array.from(arrays.occlusion!.data)).toEqual([0.5, -7]);
    arrays.a!.data[0] = 42;
    expect(parseFixtureArrays(manifest, bytes.subarray(3)).arrays.a!.data[0]).toBe(1);
  });

  it('rejects arrays that do not fit, bad shapes, other dtypes and manifests without arrays', () => {
    expect(() => parseFixtureArrays(manifest, binOf([1, 2, 3]))).toThrow(/'a' \(offset 0, 4 float32 values\) does not fit in a .bin of 12 bytes/);
    expect(() => parseFixtureArrays({ arrays: { a: { offset: 0, shape: [-1] } } }, binOf([1]))).toThrow(ShapeError);
    expect(() => parseFixtureArrays({ ...manifest, dtype: 'float64' }, binOf([1]))).toThrow(/only little-endian float32/);
    expect(() => parseFixtureArrays('{}', binOf([1]))).toThrow(/needs an "arrays" object/);
  });
});

describe('loadCaptumFixture', () => {
  it.each(CAPTUM_MODELS)('loads %s with its inputs, targets, logits, weights and model', async (name) => {
    const f = await loadCaptumFixture(name);
    const rows = f.input.shape[0];
    expect(f.target).toBeInstanceOf(Int32Array);
    expect(f.target.length).toBe(rows);
    expect(f.logits.shape[0]).toBe(rows);
    for (const t of f.target) expect(t >= 0 && t < f.logits.shape[1]!).toBe(true);
    expect(f.modelBytes.length).toBeGreaterThan(1000);
    expect(f.modelPath).toMatch(new RegExp(`fixtures/captum/${name}/model\\.onnx$`));
    expect(f.modelUrl.href).toBe(captumFixtureUrl(name, 'model.onnx').href);
    expect(Object.keys(f.weights).length).toBeGreaterThan(0);
  });

  it('exposes the metadata of each model', async () => {
    const [small, color, tab, text] = await Promise.all(CAPTUM_MODELS.map(loadCaptumFixture));
    expect(small).toMatchObject({ layout: 'NCHW', inputName: 'input', gradcamLayer: 'c3' });
    expect(small!.input.shape).toEqual([4, 1, 28, 28]);
    expect(color).toMatchObject({ layout: 'NCHW', gradcamLayer: 'b2' });
    expect(color!.cases.occlusion!.extra).toEqual({ window: 6, stride: 3 });
    expect(color!.cases.gradient!.method).toBe('signed gradient of the target logit w.r.t. the input');
    expect(tab).toMatchObject({ layout: 'NC', inputName: 'input' });
    expect(text).toMatchObject({ layout: 'tokens', inputName: 'input_ids', embeddingLayer: 'emb', padTokenId: 0 });
    expect(text!.cases.embedding_gradient!.shape).toEqual([3, 12, 16]);
  });

  it('gives arrays that are the fixture model evaluated in plain JavaScript (tabular: l2(tanh(l1 x)))', async () => {
    const { input, weights, logits, target, cases } = await loadCaptumFixture('tabular');
    const [rows, features] = input.shape as [number, number];
    const w1 = weights['l1.weight']!.data;
    const b1 = weights['l1.bias']!.data;
    const w2 = weights['l2.weight']!.data;
    const b2 = weights['l2.bias']!.data;
    const hidden = b1.length;
    const classes = b2.length;
    const z = new Float32Array(rows * classes);
    const grad = new Float32Array(rows * features);
    for (let r = 0; r < rows; r++) {
      const h = Array.from({ length: hidden }, (_, j) => {
        let s = b1[j]!;
        for (let i = 0; i < features; i++) s += w1[j * features + i]! * input.data[r * features + i]!;
        return Math.tanh(s);
      });
      for (let c = 0; c < classes; c++) z[r * classes + c] = b2[c]! + h.reduce((s, hj, j) => s + w2[c * hidden + j]! * hj, 0);
      for (let i = 0; i < features; i++) {
        let g = 0;
        for (let j = 0; j < hidden; j++) g += w2[target[r]! * hidden + j]! * (1 - h[j]! * h[j]!) * w1[j * features + i]!;
        grad[r * features + i] = g;
      }
    }
    expectMapsClose({ data: z, shape: [rows, classes] }, logits, 1e-6, 'tabular logits');
    expectMapsClose({ data: grad, shape: [rows, features] }, cases.gradient!, 1e-5, 'tabular gradient');
  });

  it('refuses names that are not fixtures', async () => {
    await expect(loadCaptumFixture('resnet' as never)).rejects.toThrow(/Unknown Captum fixture 'resnet'; the fixtures are smallcnn, colorcnn, tabular, tinytext/);
  });
});
