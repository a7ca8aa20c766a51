import { describe, expect, it } from 'vitest';
import { distinctFeed, expectGradientsMatch, randomFeed, rng } from '../test/gradient-check.js';
import { ModelFormatError, UnknownTensorError, UnsupportedOpError } from './errors.js';
import { addGradients, checkGradients } from './gradients.js';
import { ModelGraph } from './model-graph.js';
import { DataType, makeTensor } from './proto.js';
import { isKnownNumbers } from './tensor-info.js';

/**
 * Dynamic-axis graphs as the exporters write them (shape arithmetic on Shape(x) in the graph),
 * specialised to concrete input shapes: every dim becomes static and the gradients are right.
 */

const INT64_MAX = Number.MAX_SAFE_INTEGER;

/** A one-element int64 tensor for ConstantOfShape's `value`. */
const fill = (value: number, dtype: number = DataType.INT64) => makeTensor('value', dtype, [1], [value]);

function everyShapeStatic(g: ModelGraph): string[] {
  const unknown: string[] = [];
  for (const node of g.nodes) for (const out of node.output ?? []) if (out && !isKnownNumbers(g.info(out).shape)) unknown.push(`${node.opType}:${out}`);
  return unknown;
}

/** dim `axis` of x as a 1-element int64 tensor, the way exporters take it: Unsqueeze(Gather(Shape(x), axis)). */
function dim(g: ModelGraph, x: string, axis: number): string {
  return g.add('Unsqueeze', [g.add('Gather', [g.add('Shape', [x]), g.constant([axis], 'int64', [])], { axis: 0 }), g.int64s([0])]);
}

describe('ModelGraph.specialize', () => {
  it('ViT pattern: a class token Expanded to a runtime shape (Where(Equal(shape, -1))), Concat, LayerNormalization, Softmax', async () => {
    const random = rng(1);
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4, 6] }] });
    const cls = g.constant(randomFeed(random, [6]).data as Float32Array, 'float32', [1, 1, 6]);
    const target = g.add('Concat', [dim(g, 'x', 0), g.int64s([-1, -1])], { axis: 0 });
    const ones = g.add('ConstantOfShape', [g.add('Shape', [target])], { value: fill(1) });
    const fixed = g.add('Where', [g.add('Equal', [target, g.add('Mul', [ones, g.int64s([-1])])]), ones, target]);
    const tokens = g.add('Concat', [g.add('Expand', [cls, fixed]), 'x'], { axis: 1 });
    const scale = g.constant(randomFeed(random, [6], { min: 0.5, max: 1.5 }).data as Float32Array, 'float32', [6]);
    const normed = g.add('LayerNormalization', [tokens, scale, g.constant(new Float32Array(6), 'float32', [6])], { axis: -1, epsilon: { float: 1e-5 } });
    g.add('Softmax', [normed], { axis: -1 }, { output: 'y' });

    const special = g.specialize({ x: [2, 4, 6] });
    expect(everyShapeStatic(special)).toEqual([]);
    expect(special.info('y').shape).toEqual([2, 5, 6]);
    await expectGradientsMatch(special, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(random, [2, 4, 6]) } });
  });

  it('text pattern: a causal mask from Trilu(ConstantOfShape(T, T)), Expanded to [B, T, T], into Add -> Softmax -> MatMul', async () => {
    const random = rng(2);
    const g = ModelGraph.create({ inputs: [{ name: 'emb', type: 'float32', shape: ['batch', 'seq', 4] }] });
    const t = dim(g, 'emb', 1);
    const square = g.add('ConstantOfShape', [g.add('Concat', [t, t], { axis: 0 })], { value: fill(1, DataType.FLOAT) });
    const causal = g.add('Trilu', [square], { upper: 0 });
    const bias = g.add('Where', [g.add('Equal', [causal, g.scalar(0)]), g.scalar(-1e4), g.scalar(0)]);
    const target = g.add('Concat', [dim(g, 'emb', 0), t, t], { axis: 0 });
    const scores = g.add('MatMul', ['emb', g.add('Transpose', ['emb'], { perm: [0, 2, 1] })]);
    const attention = g.add('Softmax', [g.add('Add', [scores, g.add('Expand', [bias, target])])], { axis: -1 });
    const mixed = g.add('MatMul', [attention, 'emb']);
    const pooled = g.add('ReduceMean', [mixed], { axes: [1], keepdims: 0 });
    g.add('MatMul', [pooled, g.constant(randomFeed(random, [12]).data as Float32Array, 'float32', [4, 3])], undefined, { output: 'y' });

    const special = g.specialize({ emb: [2, 5, 4] });
    expect(special.info(target).value).toEqual([2, 5, 5]);
    expect(everyShapeStatic(special)).toEqual([]);
    await expectGradientsMatch(special, { of: 'y', wrt: ['emb'], feeds: { emb: randomFeed(random, [2, 5, 4]) } });
  });

  it('Swin pattern: Pad to a multiple of the window (Mod of a runtime dim), then a roll (Slice with a negative start)', async () => {
    const random = rng(3);
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 'h', 'w', 2] }] });
    const window = g.int64s([4]);
    const padTo = (axis: number) => g.add('Mod', [g.add('Sub', [window, g.add('Mod', [dim(g, 'x', axis), window])]), window]);
    const pads = g.add('Concat', [g.int64s([0, 0, 0, 0, 0]), padTo(1), padTo(2), g.int64s([0])], { axis: 0 });
    const padded = g.add('Pad', ['x', pads]);
    const tail = g.add('Slice', [padded, g.int64s([-1]), g.int64s([INT64_MAX]), g.int64s([1])]);
    const head = g.add('Slice', [padded, g.int64s([0]), g.int64s([-1]), g.int64s([1])]);
    const rolled = g.add('Concat', [tail, head], { axis: 1 });
    g.add('Mul', [rolled, g.constant(randomFeed(random, [2]).data as Float32Array, 'float32', [2])], undefined, { output: 'y' });

    expect(() => addGradients(g, { of: 'y', wrt: ['x'] })).toThrow(/Pad|Slice/);
    const special = g.specialize({ x: [1, 6, 5, 2] });
    expect(everyShapeStatic(special)).toEqual([]);
    expect(special.info('y').shape).toEqual([1, 8, 8, 2]);
    await expectGradientsMatch(special, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(random, [1, 6, 5, 2]) } });
  });

  it("MobileNetV2 TF padding: F.pad's pads chain (ConstantOfShape, Concat, Reshape, reversing Slice, Transpose, Cast) from float ceil arithmetic", async () => {
    const random = rng(4);
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 2, 'h', 'w'] }] });
    // TF 'SAME' for kernel 3, stride 2: total = max((ceil(in / 2) - 1) * 2 + 3 - in, 0), split low/high.
    const total = (axis: number) => {
      const size = dim(g, 'x', axis);
      const out = g.add('Cast', [g.add('Ceil', [g.add('Div', [g.add('Cast', [size], { to: DataType.FLOAT }), g.scalar(2)])])], { to: DataType.INT64 });
      const need = g.add('Sub', [g.add('Add', [g.add('Mul', [g.add('Sub', [out, g.int64s([1])]), g.int64s([2])]), g.int64s([3])]), size]);
      return g.add('Max', [need, g.int64s([0])]);
    };
    const split = (sum: string) => {
      const low = g.add('Div', [sum, g.int64s([2])]);
      return [low, g.add('Sub', [sum, low])];
    };
    const [top, bottom] = split(total(2)) as [string, string];
    const [left, right] = split(total(3)) as [string, string];
    const padding = g.add('Concat', [left, right, top, bottom], { axis: 0 });
    const full = g.add('Concat', [padding, g.add('ConstantOfShape', [g.int64s([4])], { value: fill(0) })], { axis: 0 });
    const pairs = g.add('Reshape', [full, g.int64s([-1, 2])]);
    const reversed = g.add('Slice', [pairs, g.int64s([-1]), g.int64s([-INT64_MAX]), g.int64s([0]), g.int64s([-1])]);
    const pads = g.add('Cast', [g.add('Reshape', [g.add('Transpose', [reversed], { perm: [1, 0] }), g.int64s([-1])])], { to: DataType.INT64 });
    const padded = g.add('Pad', ['x', pads]);
    const weight = g.constant(randomFeed(random, [3 * 2 * 9]).data as Float32Array, 'float32', [3, 2, 3, 3]);
    g.add('Conv', [padded, weight], { kernel_shape: [3, 3], strides: [2, 2] }, { output: 'y' });

    expect(() => addGradients(g, { of: 'y', wrt: ['x'] })).toThrow(/pads must be a constant/);
    const special = g.specialize({ x: [2, 2, 7, 6] });
    expect(special.info(pads).value).toEqual([0, 0, 1, 0, 0, 0, 1, 1]);
    expect(special.info('y').shape).toEqual([2, 3, 4, 3]);
    await expectGradientsMatch(special, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(random, [2, 2, 7, 6]) } });
  });

  it('EfficientNet pattern: AveragePool with ceil_mode and a kernel larger than the map, on dynamic spatial dims', async () => {
    const random = rng(5);
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3, 'h', 'w'] }] });
    g.add('AveragePool', ['x'], { kernel_shape: [40, 40], strides: [40, 40], ceil_mode: 1 }, { output: 'y' });
    expect(() => addGradients(g, { of: 'y', wrt: ['x'] })).toThrow(/ceil_mode/);
    const special = g.specialize({ x: [2, 3, 3, 3] });
    await expectGradientsMatch(special, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(random, [2, 3, 3, 3]) } });
  });

  it('checkGradients decides before the shapes are known what it can: rules exist, shapes wait for specialize', () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 'h'] }] });
    const pad = g.add('Concat', [g.int64s([0, 0, 0]), dim(g, 'x', 1)], { axis: 0 });
    g.add('Pad', ['x', pad], undefined, { output: 'p' });
    g.add('Relu', ['p'], undefined, { output: 'y' });
    expect(() => checkGradients(g, { of: 'y', wrt: ['x'] })).not.toThrow();
    expect(() => addGradients(g, { of: 'y', wrt: ['x'] })).toThrow(UnsupportedOpError);
    expect(() => addGradients(g.specialize({ x: [2, 3] }), { of: 'y', wrt: ['x'] })).not.toThrow();
    // addGradients specialises the model itself when given the shapes, and leaves `g` as it was.
    const built = addGradients(g.toBytes(), { of: 'y', wrt: ['x'], inputShapes: { x: [2, 3] } });
    expect(ModelGraph.decode(built.model).nodes.some((n) => n.opType === 'Pad')).toBe(true);
    expect(g.inputShapes).toEqual({});
    expect(g.info('x').shape).toEqual(['batch', 'h']);
    g.add('Softsign', ['y'], undefined, { output: 'z' });
    expect(() => checkGradients(g, { of: 'z', wrt: ['x'] })).toThrow(UnsupportedOpError);
  });

  it('refuses shapes that contradict the declared ones, and unknown inputs', () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }] });
    expect(() => g.specialize({ x: [2, 4] })).toThrow(ModelFormatError);
    expect(() => g.specialize({ x: [2, 3, 1] })).toThrow(ModelFormatError);
    expect(() => g.specialize({ y: [2, 3] })).toThrow(UnknownTensorError);
  });

  it('leaves the graph it came from as it was, and keeps what was appended before', () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }] });
    g.add('Relu', ['x'], undefined, { output: 'y' });
    const special = g.specialize({ x: [4, 3] });
    expect(special.info('y').shape).toEqual([4, 3]);
    expect(g.info('y').shape).toEqual(['batch', 3]);
    expect(special.nodes.map((n) => n.opType)).toEqual(['Relu']);
    expect(special.inputShapes).toEqual({ x: [4, 3] });
  });
});

describe('pooling gradients cost what the pooling costs', () => {
  /** Elements of the largest initializer the gradient graph added, and the op types it added. */
  function added(g: ModelGraph) {
    const before = new Set(g.initializers.map((t) => t.name));
    const beforeNodes = g.nodes.length;
    const built = ModelGraph.decode(addGradients(g, { of: 'y', wrt: ['x'] }).model);
    const sizes = built.initializers.filter((t) => !before.has(t.name)).map((t) => (t.dims ?? []).map(Number).reduce((a, b) => a * b, 1));
    return { largest: Math.max(0, ...sizes), ops: new Set(built.nodes.slice(beforeNodes).map((n) => n.opType)) };
  }

  it('a window over the whole map (EfficientNet, 640 channels) is a broadcast: no ConvTranspose, no kernel-sized weight', () => {
    for (const op of ['AveragePool', 'MaxPool']) {
      const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [50, 640, 3, 3] }] });
      g.add(op, ['x'], { kernel_shape: [640, 640], strides: [640, 640], ceil_mode: 1 }, { output: 'y' });
      const { largest, ops } = added(g);
      expect(ops.has('ConvTranspose')).toBe(false);
      expect(ops.has('Conv')).toBe(false);
      expect(largest).toBeLessThanOrEqual(9);
    }
  });

  it('ordinary windows over many channels use one single-channel kernel, never a dense C x C weight', () => {
    for (const op of ['AveragePool', 'MaxPool']) {
      const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 256, 8, 8] }] });
      g.add(op, ['x'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { output: 'y' });
      expect(added(g).largest).toBeLessThanOrEqual(81);
    }
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 256, 8, 8] }] });
    g.add('GlobalAveragePool', ['x'], undefined, { output: 'y' });
    // Only the shape to Expand to (4 int64s) and a scalar.
    expect(added(g).largest).toBeLessThanOrEqual(4);
  });

  it('a covering MaxPool routes to the first maximum, as GlobalMaxPool', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 3, 3] }] });
    g.add('MaxPool', ['x'], { kernel_shape: [5, 5], pads: [1, 1, 1, 1] }, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: distinctFeed(rng(6), [2, 3, 3, 3]) } });
  });
});
