import { describe, expect, it } from 'vitest';
import { NodeAttributes } from '../attributes.js';
import { addGradients } from '../gradients.js';
import { ModelGraph } from '../model-graph.js';
import type { Dim } from '../tensor-info.js';

interface WindowCase {
  readonly label: string;
  readonly op: 'Conv' | 'MaxPool' | 'AveragePool';
  readonly x: readonly Dim[];
  readonly attrs: Record<string, number[] | number | string>;
  /** Conv weight shape. */
  readonly w?: readonly number[];
}

/** The gradient graph's nodes (those after the forward op). */
function backwardNodes(c: WindowCase) {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: c.x }] });
  const inputs = ['x'];
  if (c.w) inputs.push(g.constant(new Array(c.w.reduce((a, b) => a * b, 1)).fill(0.5), 'float32', c.w, 'w'));
  g.add(c.op, inputs, c.attrs, { output: 'y' });
  const forward = g.nodes.length;
  return ModelGraph.decode(addGradients(g, { of: 'y', wrt: ['x'] }).model).nodes.slice(forward);
}

const CASES: WindowCase[] = [
  { label: 'colorcnn b1: 3x3 stride 2 pad 1, 32x32', op: 'Conv', x: [3, 3, 32, 32], w: [16, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'ResNet stem: 7x7 stride 2 pad 3, 224x224', op: 'Conv', x: [1, 3, 224, 224], w: [4, 3, 7, 7], attrs: { strides: [2, 2], pads: [3, 3, 3, 3] } },
  { label: 'ResNet max pool: 3x3 stride 2 pad 1, 112x112', op: 'MaxPool', x: [1, 4, 112, 112], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'stride 2, begin pads only, odd input', op: 'Conv', x: [1, 2, 9, 9], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 0, 0] } },
  { label: 'stride 2, end pads past the last window', op: 'Conv', x: [1, 2, 8, 7], w: [2, 2, 3, 3], attrs: { strides: [2, 2], pads: [0, 0, 3, 3] } },
  { label: 'stride 1, pads wider than the kernel', op: 'Conv', x: [1, 2, 5, 6], w: [2, 2, 3, 3], attrs: { pads: [3, 1, 0, 3] } },
  { label: 'average pool, stride 1, pads on one side', op: 'AveragePool', x: [1, 2, 5, 6], attrs: { kernel_shape: [3, 3], pads: [1, 2, 0, 0] } },
  { label: 'ceil_mode', op: 'MaxPool', x: [1, 2, 6, 5], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
  { label: 'dilation 2, stride 2', op: 'Conv', x: [1, 2, 10, 10], w: [2, 2, 3, 3], attrs: { strides: [2, 2], dilations: [2, 2], pads: [2, 2, 1, 1] } },
  { label: 'auto_pad SAME_LOWER, stride 2', op: 'Conv', x: [1, 2, 8, 8], w: [2, 2, 4, 4], attrs: { strides: [2, 2], auto_pad: 'SAME_LOWER' } },
  { label: '1-D, stride 3', op: 'Conv', x: [2, 3, 10], w: [4, 3, 3], attrs: { strides: [3], pads: [2, 0] } },
  { label: 'dynamic spatial dims', op: 'Conv', x: ['n', 2, 'h', 'w'], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 0, 0, 1] } },
];

describe("the window ops' adjoints use ConvTranspose pads that onnxruntime-web's WebGPU kernel reads right", () => {
  // That kernel (JSEP, onnxruntime-web 1.30) starts its output at floor((begin + end) / 2), not at the
  // begin pad: colorcnn's input gradients were off by up to 1.3x on WebGPU with pads (1, 0).
  it.each(CASES)('$label', (c) => {
    const transposes = backwardNodes(c).filter((n) => n.opType === 'ConvTranspose');
    expect(transposes.length).toBeGreaterThan(0);
    for (const node of transposes) {
      const attrs = new NodeAttributes(node);
      const pads = attrs.ints('pads') ?? [];
      const spatial = pads.length / 2;
      const strides = attrs.ints('strides') ?? [];
      const dilations = attrs.ints('dilations') ?? [];
      const outputPadding = attrs.ints('output_padding') ?? new Array(spatial).fill(0);
      for (let i = 0; i < spatial; i++) {
        expect([pads[i], pads[i]! + 1]).toContain(pads[i + spatial]);
        // onnxruntime rejects output_padding from max(stride, dilation) on.
        expect(outputPadding[i]).toBeLessThan(Math.max(strides[i]!, dilations[i]!));
      }
    }
  });

  it('covers a stride-2 convolution with a begin pad one above its end pad by output_padding, with no crop', () => {
    const nodes = backwardNodes(CASES[0]!);
    const transpose = nodes.find((n) => n.opType === 'ConvTranspose')!;
    expect(new NodeAttributes(transpose).ints('pads')).toEqual([1, 1, 1, 1]);
    expect(new NodeAttributes(transpose).ints('output_padding')).toEqual([1, 1]);
    expect(nodes.some((n) => n.opType === 'Slice' || n.opType === 'Pad')).toBe(false);
  });
});
