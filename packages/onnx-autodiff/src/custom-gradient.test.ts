import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../test/gradient-check.js';
import { type CustomGradient, validateCustomGradient } from './custom-gradient.js';
import { GradientSpecError, UnsupportedOpError } from './errors.js';
import { addGradients } from './gradients.js';
import { ModelGraph } from './model-graph.js';

/** A model with Softsign, an op without a built-in rule: y = softsign(softsign(x) * w). */
function softsignModel(opset = 17) {
  const g = ModelGraph.create({ opset, inputs: [{ name: 'x', type: 'float32', shape: ['n', 4] }] });
  const a = g.add('Softsign', ['x'], undefined, { name: 'first', output: 'a' });
  const w = g.constant([1.5, -0.5, 2, 0.7], 'float32', [4]);
  g.add('Softsign', [g.add('Mul', [a, w])], undefined, { name: 'second', output: 'y' });
  return g;
}

/** d softsign(x) = dy / (1 + |x|)^2, from the node's input. */
function fromInput(opset = 17) {
  const g = ModelGraph.create({
    opset,
    inputs: [
      { name: 'x', type: 'float32', shape: ['n', 4] },
      { name: 'dy', type: 'float32', shape: ['n', 4] },
    ],
  });
  const denominator = g.add('Add', [g.add('Abs', ['x']), g.scalar(1)]);
  g.add('Div', ['dy', g.add('Mul', [denominator, denominator])], undefined, { output: 'dx' });
  g.addOutput('dx');
  return g;
}

/** The same from the node's output: 1 / (1 + |x|) = 1 - |y|. */
function fromOutput() {
  const g = ModelGraph.create({
    inputs: [
      { name: 'y', type: 'float32', shape: ['n', 4] },
      { name: 'grad_y', type: 'float32', shape: ['n', 4] },
    ],
  });
  const factor = g.add('Sub', [g.scalar(1), g.add('Abs', ['y'])]);
  g.add('Mul', ['grad_y', g.add('Mul', [factor, factor])], undefined, { output: 'grad_x' });
  g.addOutput('grad_x');
  return g;
}

const byInput: CustomGradient = {
  opType: 'Softsign',
  model: fromInput().toBytes(),
  inputs: { x: { input: 0 }, dy: { outputGradient: 0 } },
  outputs: { dx: 0 },
};

describe('custom gradient graphs', () => {
  it('without one, Softsign is reported as unsupported', () => {
    expect(() => addGradients(softsignModel(), { of: 'y', wrt: ['x'] })).toThrowError(UnsupportedOpError);
  });

  it('one graph given for an op type serves every node of that type', async () => {
    await expectGradientsMatch(softsignModel(), {
      of: 'y',
      wrt: ['x'],
      feeds: { x: randomFeed(rng(1), [3, 4], { min: -2, max: 2, avoid: [0] }) },
      customGradients: [byInput],
    });
  });

  it('a gradient graph exported from PyTorch (torch.func.vjp, opset 17, IR 10) works as it is', async () => {
    const exported = new Uint8Array(readFileSync(new URL('../test/fixtures/softsign-vjp.onnx', import.meta.url)));
    const fromPyTorch: CustomGradient = {
      opType: 'Softsign',
      model: exported,
      inputs: { x: { input: 0 }, dy: { outputGradient: 0 } },
      outputs: { dx: 0 },
    };
    expect(validateCustomGradient(softsignModel(), fromPyTorch)).toEqual([]);
    await expectGradientsMatch(softsignModel(), {
      of: 'y',
      wrt: ['x'],
      feeds: { x: randomFeed(rng(3), [2, 4], { min: -2, max: 2, avoid: [0] }) },
      customGradients: [fromPyTorch],
    });
  });

  it('a graph given for a named node wins over one for its op type, and may read the node output', async () => {
    const named: CustomGradient = {
      node: 'second',
      model: fromOutput(),
      inputs: { y: { output: 0 }, grad_y: { outputGradient: 0 } },
      outputs: { grad_x: 0 },
    };
    const feeds = { x: randomFeed(rng(2), [3, 4], { min: -2, max: 2, avoid: [0] }) };
    await expectGradientsMatch(softsignModel(), { of: 'y', wrt: ['x'], feeds, customGradients: [named, byInput] });
    // A deliberately wrong graph for 'second' listed after the op-type one still wins: the check fails.
    const wrongForSecond: CustomGradient = { ...byInput, opType: undefined, node: 'second', model: doubled() };
    await expect(expectGradientsMatch(softsignModel(), { of: 'y', wrt: ['x'], feeds, customGradients: [byInput, wrongForSecond] })).rejects.toThrowError(
      /differs from finite differences/,
    );
  });

  it('validateCustomGradient reports every declared name or index that does not fit', () => {
    const model = softsignModel();
    expect(validateCustomGradient(model, byInput)).toEqual([]);
    const problems = validateCustomGradient(model, {
      node: 'first',
      model: fromInput(),
      inputs: { x: { input: 3 }, dz: { outputGradient: 0 } },
      outputs: { dx: 2, extra: 0 },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("input 'dz' is declared"),
        expect.stringContaining("the gradient graph's input 'dy' is not declared"),
        expect.stringContaining("output 'extra' is declared"),
        expect.stringContaining("reads input 3 of node 'first', which has 1 inputs"),
        expect.stringContaining("is the gradient of input 2 of node 'first', which has 1 inputs"),
      ]),
    );
    expect(validateCustomGradient(model, { ...byInput, opType: undefined, node: 'nope' })).toEqual(["the model has no node named 'nope'"]);
    expect(validateCustomGradient(model, { ...byInput, model: fromInput(18) })[0]).toMatch(/uses opset 18 .* the model 17/);
    expect(validateCustomGradient(model, { ...byInput, node: 'first' })[0]).toMatch(/either `node`/);
  });

  it('addGradients throws one GradientSpecError listing the problems', () => {
    const bad: CustomGradient = { ...byInput, inputs: { x: { input: 0 } } };
    try {
      addGradients(softsignModel(), { of: 'y', wrt: ['x'], customGradients: [bad] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GradientSpecError);
      expect((error as GradientSpecError).code).toBe('INVALID_GRADIENT_GRAPH');
      expect((error as GradientSpecError).problems).toEqual([expect.stringContaining("input 'dy' is not declared")]);
    }
  });

  it('a custom gradient that misses an input on the path is reported as unsupported', () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'a', type: 'float32', shape: [2] },
        { name: 'b', type: 'float32', shape: [2] },
      ],
    });
    g.add('Max', ['a', 'b'], undefined, { name: 'max', output: 'y' });
    const onlyFirst: CustomGradient = {
      node: 'max',
      model: ModelGraph.create({ inputs: [{ name: 'dy', type: 'float32', shape: [2] }] }).fork(),
      inputs: { dy: { outputGradient: 0 } },
      outputs: { dy: 0 },
    };
    const graph = ModelGraph.from(onlyFirst.model as ModelGraph);
    graph.addOutput('dy');
    expect(() => addGradients(g, { of: 'y', wrt: ['a', 'b'], customGradients: [{ ...onlyFirst, model: graph }] })).toThrowError(/gives no gradient for input 1 \('b'\)/);
  });
});

/** A deliberately wrong gradient (twice the right one) with the input/dy interface. */
function doubled() {
  const g = ModelGraph.create({
    inputs: [
      { name: 'x', type: 'float32', shape: ['n', 4] },
      { name: 'dy', type: 'float32', shape: ['n', 4] },
    ],
  });
  const denominator = g.add('Add', [g.add('Abs', ['x']), g.scalar(1)]);
  const right = g.add('Div', ['dy', g.add('Mul', [denominator, denominator])]);
  g.add('Mul', [right, g.scalar(2)], undefined, { output: 'dx' });
  g.addOutput('dx');
  return g;
}
