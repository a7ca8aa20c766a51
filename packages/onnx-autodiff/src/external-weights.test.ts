import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { rng } from '../test/gradient-check.js';
import { externalizeWeights } from './external-weights.js';
import { addGradients } from './gradients.js';
import { ModelGraph } from './model-graph.js';
import { type TensorProto, toNumber } from './proto.js';

const SESSION = { intraOpNumThreads: 1, interOpNumThreads: 1 } as const;

/** y = relu(x W + b) V with W 64x64 (16 kB) and V 64x8 (2 kB) to move, b (256 bytes) to keep. */
function model(): { bytes: Uint8Array; weights: Float32Array } {
  const random = rng(7);
  const weights = Float32Array.from({ length: 64 * 64 }, () => random() - 0.5);
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['n', 64] }] });
  const w = g.constant(weights, 'float32', [64, 64], 'W');
  const v = g.constant(
    Float32Array.from({ length: 64 * 8 }, () => random() - 0.5),
    'float32',
    [64, 8],
    'V',
  );
  const b = g.constant(
    Float32Array.from({ length: 64 }, () => random()),
    'float32',
    [64],
    'b',
  );
  const hidden = g.add('Relu', [g.add('Add', [g.add('MatMul', ['x', w]), b])]);
  g.addOutput(g.add('MatMul', [hidden, v], undefined, { output: 'y' }));
  return { bytes: g.toBytes(), weights };
}

const EXTERNAL = 1;

function initializers(model: Uint8Array): Map<string, TensorProto> {
  return new Map((ModelGraph.decode(model).original.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
}

function entries(tensor: TensorProto): Record<string, string> {
  return Object.fromEntries((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
}

describe('externalizeWeights', () => {
  it('points large initializers at their own bytes in the model and keeps small ones inline', () => {
    const { bytes, weights } = model();
    const lean = externalizeWeights(bytes, { location: 'weights.bin' })!;
    expect(lean.length).toBeLessThan(2000);
    const byName = initializers(lean);
    const w = byName.get('W')!;
    expect(w.dataLocation).toBe(EXTERNAL);
    expect(w.rawData?.length ?? 0).toBe(0);
    expect(w.dims?.map(toNumber)).toEqual([64, 64]);
    const { location, offset, length } = entries(w);
    expect(location).toBe('weights.bin');
    expect(Number(length)).toBe(64 * 64 * 4);
    const pointed = Uint8Array.from(bytes.subarray(Number(offset), Number(offset) + Number(length)));
    expect(new Float32Array(pointed.buffer)).toEqual(weights);
    // b (256 bytes) stays below the default 1024.
    expect(byName.get('b')!.dataLocation ?? 0).toBe(0);
    expect(byName.get('b')!.rawData?.length).toBe(256);
    expect(byName.get('V')!.dataLocation).toBe(EXTERNAL);
    // minBytes moves smaller ones too; nothing to move gives undefined.
    const all = [...initializers(externalizeWeights(bytes, { location: 'w', minBytes: 1 })!).values()];
    expect(all.map((t) => t.dataLocation)).toEqual([EXTERNAL, EXTERNAL, EXTERNAL]);
    expect(externalizeWeights(bytes, { location: 'w', minBytes: 1 << 20 })).toBeUndefined();
  });

  it('leaves tensors that are already external as they are, and the rest of the model byte for byte', () => {
    const { bytes } = model();
    const first = externalizeWeights(bytes, { location: 'model.onnx_data' })!;
    const again = externalizeWeights(first, { location: 'w', minBytes: 1 })!;
    const before = initializers(first);
    const after = initializers(again);
    for (const name of ['W', 'V']) expect(entries(after.get(name)!)).toEqual(entries(before.get(name)!));
    expect(entries(after.get('b')!)).toMatchObject({ location: 'w', length: '256' });
    // Only b's 256 bytes left (its pointer, about 40 bytes, came in): nodes, inputs and outputs are untouched.
    expect(first.length - again.length).toBeGreaterThan(200);
    const nodes = (m: Uint8Array) => ModelGraph.decode(m).nodes.map((n) => `${n.opType}(${n.input?.join(',')})`);
    expect(nodes(again)).toEqual(nodes(bytes));
    expect(ModelGraph.decode(again).outputs).toEqual(['y']);
  });

  it('runs in ONNX Runtime from the original bytes as external data, forward and extended, with equal results', async () => {
    const { bytes } = model();
    const location = 'salience-weights';
    const lean = externalizeWeights(bytes, { location })!;
    const random = rng(3);
    const x = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 4 * 64 }, () => random() * 2 - 1),
      [4, 64],
    );
    const inline = await ort.InferenceSession.create(bytes, SESSION);
    const pointed = await ort.InferenceSession.create(lean, { ...SESSION, externalData: [{ path: location, data: bytes }] });
    expect((await pointed.run({ x })).y!.data).toEqual((await inline.run({ x })).y!.data);
    // A graph extended from the small model keeps pointing at the same bytes.
    const seed = new ort.Tensor('float32', new Float32Array(32).fill(1), [4, 8]);
    const fromLean = addGradients(ModelGraph.decode(lean), { of: 'y', wrt: ['x'], seed: 'seed' });
    const fromFull = addGradients(ModelGraph.decode(bytes), { of: 'y', wrt: ['x'], seed: 'seed' });
    expect(fromLean.model.length).toBeLessThan(fromFull.model.length / 4);
    const a = await ort.InferenceSession.create(fromLean.model, { ...SESSION, externalData: [{ path: location, data: bytes }] });
    const b = await ort.InferenceSession.create(fromFull.model, SESSION);
    const grad = fromLean.gradients.x!;
    expect((await a.run({ x, seed }, [grad]))[grad]!.data).toEqual((await b.run({ x, seed }, [grad]))[grad]!.data);
    for (const s of [inline, pointed, a, b]) await s.release();
  });
});
