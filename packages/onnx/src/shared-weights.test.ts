import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelGraph, type TensorProto } from '@salience/onnx-autodiff';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { loadZooModel } from '../test/zoo.js';
import { fromOnnx } from './onnx-model.js';
import type { OrtModule } from './ort-types.js';
import { MODEL_BYTES_LOCATION, sharedWeights, withSharedWeights } from './shared-weights.js';

const dir = mkdtempSync(join(tmpdir(), 'salience-shared-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const location = (t: TensorProto | undefined) => t?.externalData?.find((e) => e.key === 'location')?.value;

// logits = (x W) V: W [3, 2] kept in model.onnx_data, V [2, 128] (1 kB) inline in the model.
const W = Float32Array.from([1, -2, 3, 0.5, -1, 4]);
const CLASSES = 128;
const V = Float32Array.from({ length: 2 * CLASSES }, (_, i) => ((i % 7) - 3) / 4);
function mixedModel(): Uint8Array {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }] });
  const w = g.addInitializer({
    name: 'W',
    dataType: 1,
    dims: [3n, 2n],
    dataLocation: 1,
    externalData: [
      { key: 'location', value: 'model.onnx_data' },
      { key: 'offset', value: '0' },
      { key: 'length', value: String(W.byteLength) },
    ],
  });
  const v = g.constant(V, 'float32', [2, CLASSES], 'V');
  g.add('MatMul', [g.add('MatMul', ['x', w]), v], undefined, { output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}

describe('shared weights', () => {
  it("points the model's own large weights at its bytes and leaves those of external files where they are", () => {
    const bytes = mixedModel();
    const shared = sharedWeights(bytes);
    expect(shared.weights).toEqual({ path: MODEL_BYTES_LOCATION, data: bytes });
    expect(shared.bytes.length).toBeLessThan(bytes.length - 900);
    const graph = ModelGraph.decode(shared.bytes);
    expect(location(graph.initializer('W'))).toBe('model.onnx_data');
    expect(location(graph.initializer('V'))).toBe(MODEL_BYTES_LOCATION);
    // A caller's external data stays, the model's bytes come after it.
    const given = { path: 'model.onnx_data', data: new Uint8Array(W.buffer) };
    expect(withSharedWeights({ intraOpNumThreads: 1, externalData: [given] }, shared.weights)).toEqual({
      intraOpNumThreads: 1,
      externalData: [given, shared.weights],
    });
    expect(withSharedWeights(undefined, undefined)).toBeUndefined();
  });

  it('opens a model with weights both inside and beside it: logits and gradients as computed by hand', async () => {
    writeFileSync(join(dir, 'model.onnx'), mixedModel());
    writeFileSync(join(dir, 'model.onnx_data'), new Uint8Array(W.buffer));
    const model = await fromOnnx(ort as unknown as OrtModule, join(dir, 'model.onnx'), { sessionOptions: TEST_SESSION_OPTIONS });
    const x = [1, 2, 3];
    const { logits, inputGradients } = await model.run({ input: { data: Float32Array.from(x), shape: [1, 3] }, outputs: ['logits', 'inputGradients'], target: 5 });
    const hidden = [0, 1].map((j) => x.reduce((sum, xi, i) => sum + xi * W[i * 2 + j]!, 0));
    for (let c = 0; c < CLASSES; c++) expect(logits.data[c]).toBeCloseTo(hidden[0]! * V[c]! + hidden[1]! * V[CLASSES + c]!, 5);
    for (let i = 0; i < 3; i++) expect(inputGradients.data[i]).toBeCloseTo(W[i * 2]! * V[5]! + W[i * 2 + 1]! * V[CLASSES + 5]!, 6);
    model.dispose();
  });

  it('gives every session a model without its weights, and the original bytes once as external data', async () => {
    const zoo = await loadZooModel('resnet');
    const file = readFileSync(zoo.modelPath);
    const created: { model: number; external: number[] }[] = [];
    const runtime = {
      Tensor: ort.Tensor,
      InferenceSession: {
        create: (model: Uint8Array, options?: ort.InferenceSession.SessionOptions) => {
          const external = (options?.externalData ?? []).map((f) => (typeof f === 'object' && f.data instanceof Uint8Array ? f.data.length : -1));
          created.push({ model: model.length, external });
          return ort.InferenceSession.create(model, options);
        },
      },
    } as unknown as OrtModule;
    const model = await fromOnnx(runtime, zoo.modelPath, { sessionOptions: TEST_SESSION_OPTIONS });
    const input = { data: new Float32Array(3 * 64 * 64).fill(0.1), shape: [1, 3, 64, 64] };
    await model.run({ input, outputs: ['inputGradients'], target: 0 });
    expect(created).toHaveLength(2);
    for (const session of created) {
      expect(session.model).toBeLessThan(file.length / 4);
      expect(session.external).toEqual([file.length]);
    }
    model.dispose();
  });
});
