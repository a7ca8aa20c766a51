import { fromBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test/fixtures.js';
import { createSession, expectGradientsMatch, randomFeed, rng, toTensors } from '../test/gradient-check.js';
import { GradientSpecError, ModelFormatError, UnknownTensorError, UnsupportedOpError } from './errors.js';
import { addGradients } from './gradients.js';
import { ModelGraph } from './model-graph.js';
import { AttributeType, ModelProtoSchema, makeTensor } from './proto.js';

function mlp() {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }] });
  const w = g.constant([0.5, -1, 0.2, 0.3, 0.8, -0.4], 'float32', [3, 2], 'w');
  const h = g.add('MatMul', ['x', w], undefined, { output: 'h' });
  g.add('Tanh', [h], undefined, { output: 'y' });
  g.addOutput('y');
  return g;
}

describe('addGradients: spec and results', () => {
  it('returns the model with gradient outputs, named <wrt>_grad by default or as asked', () => {
    const built = addGradients(mlp().toBytes(), { of: 'y', wrt: ['x', 'h'], gradientNames: { h: 'dh' }, seed: 'dy' });
    expect(built.gradients).toEqual({ x: 'x_grad', h: 'dh' });
    expect(built.inputs).toEqual(['x', 'dy']);
    expect(built.outputs).toEqual(['y', 'x_grad', 'dh']);
    expect(built.seed).toBe('dy');
    expect(built.disconnected).toEqual([]);
    const decoded = fromBinary(ModelProtoSchema, built.model);
    expect(decoded.graph?.output?.map((o) => o.name)).toEqual(built.outputs);
    expect(decoded.graph?.input?.map((o) => o.name)).toEqual(['x', 'dy']);
  });

  it('differentiates sum(y) when no seed is given', async () => {
    const built = addGradients(mlp(), { of: 'y', wrt: ['x'] });
    const session = await createSession(built.model);
    const x = randomFeed(rng(1), [2, 3]);
    const xs = x.data as Float32Array;
    const out = await session.run(toTensors({ x }));
    // d/dx sum(tanh(x W)) = (1 - tanh^2) W^T, row by row.
    const w = [0.5, -1, 0.2, 0.3, 0.8, -0.4];
    const expected: number[] = [];
    for (let b = 0; b < 2; b++) {
      const h = [0, 1].map((j) => [0, 1, 2].reduce((s, k) => s + xs[b * 3 + k]! * w[k * 2 + j]!, 0));
      const slope = h.map((v) => 1 - Math.tanh(v) ** 2);
      for (let k = 0; k < 3; k++) expected.push(slope[0]! * w[k * 2]! + slope[1]! * w[k * 2 + 1]!);
    }
    const got = Array.from(out.x_grad!.data as Float32Array);
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
  });

  it('gives the total derivative at an input and the adjoint at an intermediate in one graph', async () => {
    const g = mlp();
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(2), [2, 3]) } });
    const built = addGradients(g, { of: 'y', wrt: ['x', 'h'], seed: 'dy' });
    const session = await createSession(built.model);
    const feeds = toTensors({ x: randomFeed(rng(2), [2, 3]), dy: randomFeed(rng(3), [2, 2]) });
    const out = await session.run(feeds);
    const alone = await (await createSession(addGradients(g, { of: 'y', wrt: ['x'], seed: 'dy' }).model)).run(feeds);
    expect(Array.from(out.x_grad!.data as Float32Array)).toEqual(Array.from(alone.x_grad!.data as Float32Array));
    expect(out.h_grad!.dims).toEqual([2, 2]);
  });

  it('the gradient of `of` w.r.t. itself is the seed', async () => {
    const built = addGradients(mlp(), { of: 'y', wrt: ['y'], seed: 'dy' });
    const session = await createSession(built.model);
    const dy = randomFeed(rng(4), [2, 2]);
    const out = await session.run(toTensors({ x: randomFeed(rng(5), [2, 3]), dy }));
    expect(Array.from(out.y_grad!.data as Float32Array)).toEqual(Array.from(dy.data as Float32Array));
  });

  it('a wrt tensor that `of` does not depend on gets zeros and is listed as disconnected', async () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'x', type: 'float32', shape: [2] },
        { name: 'z', type: 'float32', shape: [3] },
      ],
    });
    g.add('Sigmoid', ['x'], undefined, { output: 'y' });
    const built = addGradients(g, { of: 'y', wrt: ['x', 'z'] });
    expect(built.disconnected).toEqual(['z']);
    const out = await (await createSession(built.model)).run(toTensors({ x: randomFeed(rng(6), [2]), z: randomFeed(rng(7), [3]) }));
    expect(Array.from(out.z_grad!.data as Float32Array)).toEqual([0, 0, 0]);
  });

  it('keeps intermediate tensors as outputs, through an Identity for inputs', async () => {
    const built = addGradients(mlp(), { of: 'y', wrt: ['x'], keepOutputs: ['h', 'x'] });
    expect(built.kept.h).toBe('h');
    expect(built.kept.x).not.toBe('x');
    const x = randomFeed(rng(8), [2, 3]);
    const out = await (await createSession(built.model)).run(toTensors({ x }));
    expect(out.h!.dims).toEqual([2, 2]);
    expect(Array.from(out[built.kept.x!]!.data as Float32Array)).toEqual(Array.from(x.data as Float32Array));
  });

  it('leaves a ModelGraph passed in unchanged', () => {
    const g = mlp();
    const before = g.toBytes();
    addGradients(g, { of: 'y', wrt: ['x'] });
    expect(g.toBytes()).toEqual(before);
    expect(g.outputs).toEqual(['y']);
  });

  it('differentiates through Constant nodes and ignores shape arithmetic', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['n', 2, 3] }] });
    const k = g.add('Constant', [], { value: makeTensor('k', 1, [3], [2, -1, 0.5]) });
    const scaled = g.add('Mul', ['x', k]);
    // Flatten via a shape computed from x: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
    const n = g.add('Gather', [g.add('Shape', ['x']), g.constant([0], 'int64', [])], { axis: 0 });
    const target = g.add('Concat', [g.add('Unsqueeze', [n, g.int64s([0])]), g.int64s([-1])], { axis: 0 });
    g.add('Reshape', [g.add('Sin', [scaled]), target], undefined, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(9), [2, 2, 3]) } });
  });

  it('adds no nodes for weight or bias gradients (smallcnn)', () => {
    const fixture = loadFixture('smallcnn');
    const base = ModelGraph.decode(fixture.model);
    const built = ModelGraph.decode(addGradients(fixture.model, { of: 'logits', wrt: ['input'] }).model);
    const added = built.nodes.slice(base.nodes.length);
    const count = (op: string) => added.filter((n) => n.opType === op).length;
    // Three stride-1 convs: one adjoint Conv each; two MaxPools: an unfolding Conv and a ConvTranspose each.
    expect(count('Conv')).toBe(5);
    expect(count('ConvTranspose')).toBe(2);
    // Gemm: dA only (a weight gradient would be a second Gemm); no bias gradients (ReduceSum over N, H, W).
    expect(count('Gemm')).toBe(1);
    expect(count('ReduceSum')).toBe(0);
  });

  it('only the path from wrt to of is differentiated', () => {
    const fixture = loadFixture('smallcnn');
    const base = ModelGraph.decode(fixture.model);
    // From the last conv's output only the head is differentiated: no ConvTranspose at all.
    const built = ModelGraph.decode(addGradients(fixture.model, { of: 'logits', wrt: ['/c3/Conv_output_0'] }).model);
    const added = built.nodes.slice(base.nodes.length);
    expect(added.some((n) => n.opType === 'ConvTranspose' || n.opType === 'ArgMax')).toBe(false);
  });
});

describe('addGradients: errors at build time', () => {
  it('names every op without a gradient rule, with its node name', () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3] }] });
    const a = g.add('ReduceProd', ['x'], { axes: [1] }, { name: 'prod_node' });
    const b = g.add('Mod', [a, g.scalar(1)], { fmod: 1 }, { name: 'mod_node' });
    g.add('Tanh', [b], undefined, { output: 'y' });
    let error: unknown;
    try {
      addGradients(g, { of: 'y', wrt: ['x'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedOpError);
    const e = error as UnsupportedOpError;
    expect(e.code).toBe('UNSUPPORTED_OP');
    expect(e.op).toBe('ReduceProd');
    expect(e.node).toBe('prod_node');
    expect(e.nodes.map((n) => n.op).sort()).toEqual(['Mod', 'ReduceProd']);
    expect(e.message).toContain("'ReduceProd' (node 'prod_node')");
    expect(e.message).toContain("'Mod' (node 'mod_node')");
  });

  it('ignores unsupported ops off the differentiated path', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3] }] });
    g.add('ReduceMax', ['x'], { axes: [1] }, { output: 'side' });
    g.addOutput('side');
    g.add('Tanh', ['x'], undefined, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(10), [2, 3]) } });
  });

  it('explains rule limitations: BatchNormalization in training mode, Pad in reflect mode', () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }] });
    const c = g.constant([1, 1, 1], 'float32', [3]);
    const z = g.constant([0, 0, 0], 'float32', [3]);
    const bn = g.addNode('BatchNormalization', ['x', c, z, z, c], { training_mode: 1 }, { outputs: 3, name: 'bn' })[0]!;
    g.add('Pad', [bn, g.int64s([0, 0, 1, 0, 0, 1])], { mode: 'reflect' }, { output: 'y', name: 'pad' });
    expect(() => addGradients(g, { of: 'y', wrt: ['x'] })).toThrowError(/training_mode=1.*\n?.*|reflect/);
    try {
      addGradients(g, { of: 'y', wrt: ['x'] });
    } catch (e) {
      const reasons = (e as UnsupportedOpError).nodes.map((n) => `${n.node}: ${n.reason}`);
      expect(reasons).toEqual(['bn: training_mode=1 is not supported (inference only)', "pad: mode 'reflect' is not supported (only 'constant')"]);
    }
  });

  it('refuses gradients w.r.t. conv weights, naming the input', () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'x', type: 'float32', shape: [1, 1, 4, 4] },
        { name: 'w', type: 'float32', shape: [1, 1, 3, 3] },
      ],
    });
    g.add('Conv', ['x', 'w'], {}, { output: 'y', name: 'conv' });
    expect(() => addGradients(g, { of: 'y', wrt: ['w'] })).toThrowError(/'Conv' \(node 'conv'\): the gradient w.r.t. its input 1 \('w'\) is not supported/);
  });

  it('refuses control flow on the path (the subgraph reads a wrt tensor)', () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'x', type: 'float32', shape: [2] },
        { name: 'flag', type: 'bool', shape: [] },
      ],
    });
    const branch = (op: string) => ({
      name: op,
      node: [{ opType: op, input: ['x'], output: [`${op}_out`], name: `${op}_node` }],
      output: [
        { name: `${op}_out`, type: { value: { case: 'tensorType' as const, value: { elemType: 1, shape: { dim: [{ value: { case: 'dimValue' as const, value: 2n } }] } } } } },
      ],
    });
    g.appendNode({
      opType: 'If',
      name: 'if_node',
      input: ['flag'],
      output: ['y'],
      attribute: [
        { name: 'then_branch', type: AttributeType.GRAPH, g: branch('Sigmoid') },
        { name: 'else_branch', type: AttributeType.GRAPH, g: branch('Tanh') },
      ],
    });
    expect(() => addGradients(g, { of: 'y', wrt: ['x'] })).toThrowError(UnsupportedOpError);
  });

  it('rejects bad specs with typed errors that say what to do', () => {
    const fixture = loadFixture('tinytext');
    expect(() => addGradients(fixture.model, { of: 'logits', wrt: ['input_ids'] })).toThrowError(/int64.*embedding Gather/);
    expect(() => addGradients(fixture.model, { of: 'logits', wrt: ['/emb/gather_output'] })).toThrowError(UnknownTensorError);
    try {
      addGradients(fixture.model, { of: 'logits', wrt: ['emb/Gather_output'] });
    } catch (e) {
      expect((e as UnknownTensorError).message).toContain("Did you mean '/emb/Gather_output_0'");
    }
    expect(() => addGradients(fixture.model, { of: 'input_ids', wrt: ['/emb/Gather_output_0'] })).toThrowError(GradientSpecError);
    expect(() => addGradients(fixture.model, { of: 'logits', wrt: [] })).toThrowError(GradientSpecError);
    expect(() => addGradients(fixture.model, { of: 'logits', wrt: ['/emb/Gather_output_0'], seed: 'input_ids' })).toThrowError(/seed/);
    expect(() => addGradients(fixture.model, { of: 'logits', wrt: ['/emb/Gather_output_0'], gradientNames: { '/emb/Gather_output_0': 'logits' } })).toThrowError(/already used/);
    expect(() => addGradients(new Uint8Array([1, 2, 3, 4]), { of: 'y', wrt: ['x'] })).toThrowError(ModelFormatError);
  });

  it('rejects models older than opset 11', () => {
    const g = ModelGraph.create({ opset: 10, inputs: [{ name: 'x', type: 'float32', shape: [2] }] });
    g.add('Relu', ['x'], undefined, { output: 'y' });
    expect(() => addGradients(g, { of: 'y', wrt: ['x'] })).toThrowError(/opset 10.*opset 11/);
  });
});
