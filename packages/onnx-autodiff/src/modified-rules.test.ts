import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GradientSpecError, UnsupportedOpError } from './errors.js';
import { addGradients } from './gradients.js';
import { ModelGraph } from './model-graph.js';
import { type ModifiedRules, modifiedRuleProblems } from './modified-rules.js';

const W = [1.5, -0.5, 2, -1];
const V = [0.7, -1.2, 0.4, 2];

/** out = relu(x * W) * V, x [2, 4]. */
function reluModel() {
  const g = ModelGraph.create({ opset: 17, inputs: [{ name: 'x', type: 'float32', shape: ['n', 4] }] });
  const h = g.add('Mul', ['x', g.constant(W, 'float32', [4])], undefined, { output: 'h' });
  const r = g.add('Relu', [h], undefined, { output: 'r' });
  g.add('Mul', [r, g.constant(V, 'float32', [4])], undefined, { output: 'out' });
  g.addOutput('out');
  return g;
}

async function gradientOf(graph: ModelGraph, x: Float32Array, shape: number[], modifiedRules: ModifiedRules): Promise<Float32Array> {
  const built = addGradients(graph, { of: 'out', wrt: ['x'], modifiedRules });
  const session = await ort.InferenceSession.create(built.model);
  const out = await session.run({ x: new ort.Tensor('float32', x, shape) });
  await session.release();
  return out[built.gradients.x!]!.data as Float32Array;
}

const X = new Float32Array([0.3, 0.8, -0.6, 0.2, -0.1, 0.5, 0.4, -0.7]);

describe('modified backward rules', () => {
  it("'guided' passes the positive part of the gradient through active units only", async () => {
    const got = await gradientOf(reluModel(), X, [2, 4], { relu: 'guided' });
    const want = Array.from(X, (x, i) => (x * W[i % 4]! > 0 ? Math.max(V[i % 4]!, 0) * W[i % 4]! : 0));
    expect(Array.from(got)).toEqual(want.map((v) => expect.closeTo(v, 6)));
  });

  it("'deconvnet' passes the positive part of the gradient whatever the input", async () => {
    const got = await gradientOf(reluModel(), X, [2, 4], { relu: 'deconvnet' });
    const want = Array.from(X, (_, i) => Math.max(V[i % 4]!, 0) * W[i % 4]!);
    expect(Array.from(got)).toEqual(want.map((v) => expect.closeTo(v, 6)));
  });

  it('the rescale rule multiplies by Δout/Δin against the baseline half, for both halves', async () => {
    const got = await gradientOf(reluModel(), X, [2, 4], { rescale: true });
    const h = Array.from(X, (x, i) => x * W[i % 4]!);
    const want = Array.from(X, (_, i) => {
      const k = i % 4;
      const dIn = h[k]! - h[4 + k]!;
      const dOut = Math.max(h[k]!, 0) - Math.max(h[4 + k]!, 0);
      const multiplier = Math.abs(dIn) < 1e-10 ? (h[i]! > 0 ? 1 : 0) : dOut / dIn;
      return V[k]! * multiplier * W[k]!;
    });
    expect(Array.from(got)).toEqual(want.map((v) => expect.closeTo(v, 5)));
    // Summed over features, (x - baseline) * multipliers is the change of the output (completeness).
    const change = [0, 1, 2, 3].reduce((s, k) => s + V[k]! * (Math.max(h[k]!, 0) - Math.max(h[4 + k]!, 0)), 0);
    const total = [0, 1, 2, 3].reduce((s, k) => s + (X[k]! - X[4 + k]!) * got[k]!, 0);
    expect(total).toBeCloseTo(change, 5);
  });

  it("MaxPool's rescale rule follows Captum's: the cross maximum of the halves, routed by each row's maxima", async () => {
    const g = ModelGraph.create({ opset: 17, inputs: [{ name: 'x', type: 'float32', shape: [2, 1, 1, 4] }] });
    const y = g.add('MaxPool', ['x'], { kernel_shape: [1, 2], strides: [1, 2] }, { output: 'y' });
    g.add('Mul', [y, g.constant([0.5, -2], 'float32', [2])], undefined, { output: 'out' });
    g.addOutput('out');
    const x = new Float32Array([1, 3, 2, 0, 4, 2, -1, 5]);
    const got = await gradientOf(g, x, [2, 1, 1, 4], { rescale: true });
    // Window outputs: row 0 (3, 2) at taps 1, 0; row 1 (4, 5) at taps 0, 1. Cross max (4, 5).
    const v = [0.5, -2];
    const routed = [0, 0, 0, 0];
    // Row 0 carries v * (max - ref) = v * (0, 0); row 1 carries v * (out - max) = v * (-1, -3).
    routed[0]! += v[0]! * (4 - 4) + 0;
    routed[1]! += v[0]! * 0 + 0;
    routed[0]! += v[0]! * (3 - 4); // row 1's window 0 peaks at tap 0
    routed[3]! += v[1]! * (2 - 5); // row 1's window 1 peaks at tap 3
    const deltaIn = [1 - 4, 3 - 2, 2 + 1, 0 - 5];
    const want = [0, 1, 2, 3].map((k) => routed[k]! / deltaIn[k]!);
    expect(Array.from(got)).toEqual([...want, ...want].map((w) => expect.closeTo(w, 5)));
  });

  it("LRP's epsilon rule: relevance z-normalised at each layer, multiplied by the tensor read, passed through Relu", async () => {
    const g = ModelGraph.create({ opset: 17, inputs: [{ name: 'x', type: 'float32', shape: ['n', 2] }] });
    const W = [0.5, -1, 2, 0.25];
    const V = [1.5, -0.75];
    const z1 = g.add('MatMul', ['x', g.constant(W, 'float32', [2, 2])], undefined, { output: 'z1' });
    const a = g.add('Relu', [z1], undefined, { output: 'a' });
    g.add('MatMul', [a, g.constant(V, 'float32', [2, 1])], undefined, { output: 'out' });
    g.addOutput('out');
    const x = [0.8, 0.6];
    const got = await gradientOf(g, new Float32Array(x), [1, 2], { lrp: { epsilon: 0 } });
    const zs = [0, 1].map((j) => x[0]! * W[j]! + x[1]! * W[2 + j]!);
    const as = zs.map((z) => Math.max(z, 0));
    const out = as[0]! * V[0]! + as[1]! * V[1]!;
    const relevance = as.map((v, j) => (v * V[j]!) / out);
    const want = [0, 1].map((i) => W[2 * i]! * (relevance[0]! / zs[0]!) + W[2 * i + 1]! * (relevance[1]! / zs[1]!));
    expect(Array.from(got)).toEqual(want.map((w) => expect.closeTo(w, 5)));
    // Times x, the relevance is conserved: it sums to 1 (the output's, normalised) without biases.
    expect(x[0]! * got[0]! + x[1]! * got[1]!).toBeCloseTo(1, 5);
  });

  it('rejects unknown rules and an odd batch for the rescale rule before anything runs', () => {
    expect(modifiedRuleProblems({ relu: 'guided' })).toEqual([]);
    expect(modifiedRuleProblems({ relu: 'zero' })[0]).toMatch(/'guided' or 'deconvnet'/);
    expect(modifiedRuleProblems({ relu: 'guided', rescale: true })[0]).toMatch(/choose one/);
    expect(modifiedRuleProblems({ lrp: 'epsilon' })[0]).toMatch(/epsilon\?/);
    expect(modifiedRuleProblems({ lrp: {}, relu: 'guided' })[0]).toMatch(/alone/);
    expect(modifiedRuleProblems({ deconv: true })[0]).toMatch(/not a rule/);
    expect(modifiedRuleProblems({ lrp: { composite: 'epsilon-plus-flat' } })).toEqual([]);
    expect(modifiedRuleProblems({ lrp: { composite: 'box' } })[0]).toMatch(/epsilon-plus-flat/);
    expect(modifiedRuleProblems({ lrp: { composite: 'epsilon-gamma-box', low: 0, high: [1, 1, 1] } })).toEqual([]);
    expect(modifiedRuleProblems({ lrp: { composite: 'epsilon-gamma-box' } })[0]).toMatch(/z-box rule needs `lrp.low` and `lrp.high`/);
    expect(modifiedRuleProblems({ lrp: { composite: { first: 'w-square', dense: 'beta' } } })[0]).toMatch(/composite.dense` must be one of/);
    expect(modifiedRuleProblems({ lrp: { composite: 'epsilon-plus', low: 0 } })[0]).toMatch(/no z-box rule/);
    expect(modifiedRuleProblems({ lrp: { gamma: 0.5 } })[0]).toMatch(/give `composite` too/);
    expect(() => addGradients(reluModel(), { of: 'out', wrt: ['x'], modifiedRules: { relu: 'x' } as never })).toThrowError(GradientSpecError);
    const odd = reluModel();
    expect(() => addGradients(odd, { of: 'out', wrt: ['x'], inputShapes: { x: [3, 4] }, modifiedRules: { rescale: true } })).toThrowError(UnsupportedOpError);
  });
});
