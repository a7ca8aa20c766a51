import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { type Attributes, makeAttributes } from './attributes.js';
import { ModelGraph } from './model-graph.js';
import { DataType, makeTensor } from './proto.js';

/**
 * The contents of small tensors evaluated while a graph is inferred (what folds the shape
 * arithmetic of dynamic-axis exports) equal what onnxruntime computes for the same nodes.
 */

type Build = (g: ModelGraph) => string;

let count = 0;
/** Appends a node as it is (no folding at build time), so that onnxruntime really computes it. */
function n(g: ModelGraph, op: string, inputs: readonly string[], attributes?: Attributes): string {
  const output = `${op}_${count++}`;
  g.appendNode({ opType: op, input: [...inputs], output: [output], name: output, attribute: makeAttributes(attributes) });
  return output;
}

const cases: [string, Build][] = [
  [
    'Slice with a negative step over rows of a 2-D tensor',
    (g) => n(g, 'Slice', [g.constant([1, 2, 3, 4, 5, 6], 'int64', [3, 2]), g.int64s([-1]), g.int64s([-1e15]), g.int64s([0]), g.int64s([-1])]),
  ],
  [
    'Slice on both axes with steps',
    (g) => n(g, 'Slice', [g.constant([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'int64', [3, 4]), g.int64s([0, 3]), g.int64s([3, 0]), g.int64s([0, 1]), g.int64s([2, -2])]),
  ],
  ['Gather on axis 1 with 2-D indices', (g) => n(g, 'Gather', [g.constant([1, 2, 3, 4, 5, 6], 'int64', [2, 3]), g.constant([2, 0, -1, 1], 'int64', [2, 2])], { axis: 1 })],
  ['Transpose of a [4, 2] pads matrix', (g) => n(g, 'Transpose', [g.constant([0, 1, 2, 3, 4, 5, 6, 7], 'int64', [4, 2])], { perm: [1, 0] })],
  ['Concat of 2-D tensors on axis 1', (g) => n(g, 'Concat', [g.constant([1, 2], 'int64', [2, 1]), g.constant([3, 4, 5, 6], 'int64', [2, 2])], { axis: 1 })],
  [
    'Equal with broadcasting, then Where',
    (g) => n(g, 'Where', [n(g, 'Equal', [g.constant([2, -1, 7, -1], 'int64', [4]), g.int64s([-1])]), g.constant([1], 'int64', [1]), g.constant([2, -1, 7, -1], 'int64', [4])]),
  ],
  ['Mod, fmod=0 (the divisor sign)', (g) => n(g, 'Mod', [g.constant([7, -7, 7, -7], 'int64', [4]), g.constant([3, 3, -3, -3], 'int64', [4])])],
  ['Mod, fmod=1 (the dividend sign)', (g) => n(g, 'Mod', [g.constant([7, -7, 7, -7], 'int64', [4]), g.constant([3, 3, -3, -3], 'int64', [4])], { fmod: 1 })],
  ['integer Div truncates', (g) => n(g, 'Div', [g.constant([7, -7, 9], 'int64', [3]), g.constant([2, 2, 3], 'int64', [3])])],
  [
    'float Ceil(Div) cast to int64 (TF SAME output size)',
    (g) => n(g, 'Cast', [n(g, 'Ceil', [n(g, 'Div', [g.constant([7, 8, 9], 'float32', [3]), g.scalar(2)])])], { to: DataType.INT64 }),
  ],
  [
    'Max and Min of three, broadcast',
    (g) => n(g, 'Min', [n(g, 'Max', [g.constant([1, 5, 3], 'int64', [3]), g.constant([2], 'int64', [1]), g.constant([0, 0, 4], 'int64', [3])]), g.constant([4], 'int64', [1])]),
  ],
  ['Expand of a column to [2, 3]', (g) => n(g, 'Expand', [g.constant([1, 2], 'int64', [2, 1]), g.int64s([2, 3])])],
  ['ConstantOfShape of [2, 3] filled with 5', (g) => n(g, 'ConstantOfShape', [g.int64s([2, 3])], { value: makeTensor('value', DataType.INT64, [1], [5]) })],
  ['Cast to bool and Not', (g) => n(g, 'Cast', [n(g, 'Not', [n(g, 'Cast', [g.constant([0, 3, -1], 'int64', [3])], { to: DataType.BOOL })])], { to: DataType.INT64 })],
  ['ReduceProd of a shape vector (keepdims 0)', (g) => n(g, 'ReduceProd', [g.constant([2, 3, 4], 'int64', [3])], { keepdims: 0 })],
  ['ReduceMax over every axis of a 2-D tensor', (g) => n(g, 'ReduceMax', [g.constant([2, 9, 4, 1], 'int64', [2, 2])], { keepdims: 1 })],
  ['Range', (g) => n(g, 'Range', [g.constant([1], 'int64', []), g.constant([10], 'int64', []), g.constant([3], 'int64', [])])],
];

describe('small tensors evaluated at build time', () => {
  for (const [label, build] of cases) {
    it(`${label}: as onnxruntime computes it`, async () => {
      const g = ModelGraph.create();
      const out = build(g);
      const known = g.info(out).value;
      expect(known, 'contents known at build time').toBeDefined();
      // The same nodes, unfolded: onnxruntime's answer.
      const identity = g.add('Identity', [out], undefined, { output: 'result' });
      g.addOutput(identity);
      const session = await ort.InferenceSession.create(g.toBytes());
      const result = (await session.run({})).result!;
      await session.release();
      const values = Array.from(result.data as ArrayLike<number | bigint | boolean>, (v) => Number(v));
      expect(known).toEqual(values);
      expect(g.info(out).shape).toEqual(result.dims);
    });
  }
});
