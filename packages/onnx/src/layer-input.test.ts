import { ShapeError } from '@salience/core';
import { ModelGraph } from '@salience/onnx-autodiff';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { countingRuntime } from '../test/counting-runtime.js';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { layerInputGraph } from './layer-input.js';
import { fromOnnx } from './onnx-model.js';

const W = [1, -2, 0.5, 0.25, 3, -1];

/**
 * x [batch, 2] -> h = Relu(x W) [batch, 3] -> s = h + Tile(x) (a skip connection around h) ->
 * logits = s[:, :3] @ I: the logits are Relu(x W) + [x0, x1, x0]. Running from h keeps x as an
 * input for the skip connection and drops the MatMul and Relu.
 */
function skipModel(): Uint8Array {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 2] }] });
  const pre = g.add('MatMul', ['x', g.constant(W, 'float32', [2, 3])], undefined, { name: '/lin/MatMul', output: 'pre' });
  const h = g.add('Relu', [pre], undefined, { name: '/act/Relu', output: 'h' });
  const skip = g.add('Gather', ['x', g.constant([0, 1, 0], 'int64', [3])], { axis: 1 }, { output: 'skip' });
  g.add('Add', [h, skip], undefined, { output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}

/** Relu(x W) + [x0, x1, x0], or with h given. */
function expected(x: readonly number[], h?: readonly number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / 2; r++) {
    const [x0, x1] = [x[2 * r], x[2 * r + 1]];
    for (let j = 0; j < 3; j++) {
      const hidden = (h ? h[3 * r + j] : Math.max(0, x0! * W[j]! + x1! * W[3 + j]!))!;
      out.push(hidden + [x0, x1, x0][j]!);
    }
  }
  return out;
}

describe('layerInputGraph', () => {
  it('makes the layer an input, keeps what the skip connection reads, prunes the producer', () => {
    const graph = ModelGraph.decode(skipModel());
    const cut = layerInputGraph(graph, 'h');
    expect(cut.graph.inputs).toEqual(['x', cut.input]);
    const ops = cut.graph.nodes.map((n) => n.opType);
    expect(ops).not.toContain('MatMul');
    expect(ops).not.toContain('Relu');
    expect(ops).toEqual(['Gather', 'Add']);
    // Cut at the Relu's input: the Relu stays, the MatMul and its weights go.
    const atPre = layerInputGraph(graph, 'pre');
    expect(atPre.graph.nodes.map((n) => n.opType)).toEqual(['Relu', 'Gather', 'Add']);
    expect(atPre.graph.initializers.length).toBe(1);
  });

  it('refuses the model output as the layer', () => {
    expect(() => layerInputGraph(ModelGraph.decode(skipModel()), 'logits')).toThrow(/output of the model/);
  });
});

describe('fromOnnx with request.layerActivations', () => {
  it('runs the rest of the model from the given activations, the input still feeding the skip connection', async () => {
    const { ort: counted, live } = countingRuntime(ort);
    const model = await fromOnnx(counted, skipModel(), { sessionOptions: TEST_SESSION_OPTIONS });
    expect(model.runsFromLayers).toBe(true);
    const x = [0.5, -1, 2, 0.25, -0.3, 0.7];
    const input = { data: Float32Array.from(x), shape: [3, 2] };
    const h = [9, -4, 0, 1, 2, 3, 0.5, 0.5, 0.5];
    const { logits } = await model.run({ input, layer: 'h', layerActivations: { data: Float32Array.from(h), shape: [3, 3] }, outputs: ['logits'] });
    for (const [i, v] of expected(x, h).entries()) expect(logits.data[i]).toBeCloseTo(v, 6);
    // The plain model still gives its own logits; the layer's own activations reproduce them.
    const own = await model.run({ input, layer: 'h', outputs: ['layerActivations', 'logits'] });
    for (const [a, b] of Array.from(own.logits.data).map((v, i) => [v, expected(x)[i]])) expect(a).toBeCloseTo(b!, 5);
    const again = await model.run({ input, layer: 'h', layerActivations: own.layerActivations, outputs: ['logits'] });
    expect(Array.from(again.logits.data)).toEqual(Array.from(own.logits.data));
    const before = live();
    await model.run({ input, layer: 'h', layerActivations: own.layerActivations, outputs: ['logits'] });
    expect(live()).toBe(before);
    await expect(model.run({ input, layer: 'h', layerActivations: { data: new Float32Array(6), shape: [3, 2] }, outputs: ['logits'] })).rejects.toThrow(ShapeError);
    model.dispose();
  });
});
