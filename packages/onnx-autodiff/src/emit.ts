import type { ModelGraph } from './model-graph.js';
import { DataType, makeTensor } from './proto.js';

/**
 * Version-aware node builders: the same call emits the attribute form or the input form of an op
 * according to the model's opset (axes moved to inputs in 13 for ReduceSum/Squeeze/Unsqueeze/Split,
 * in 18 for the other reductions and Pad's axes).
 */

export function reduceSum(g: ModelGraph, x: string, axes: readonly number[] | undefined, keepdims: boolean): string {
  if (axes && axes.length === 0) return x;
  const k = keepdims ? 1 : 0;
  if (g.opset < 13) return g.add('ReduceSum', [x], { keepdims: k, axes: axes ? [...axes] : undefined });
  return g.add('ReduceSum', axes ? [x, g.int64s(axes)] : [x], { keepdims: k });
}

/** Reductions other than ReduceSum take their axes as an input from opset 18. */
export function reduce(g: ModelGraph, op: string, x: string, axes: readonly number[] | undefined, keepdims: boolean): string {
  if (op === 'ReduceSum') return reduceSum(g, x, axes, keepdims);
  const k = keepdims ? 1 : 0;
  if (g.opset >= 18) return g.add(op, axes ? [x, g.int64s(axes)] : [x], { keepdims: k });
  return g.add(op, [x], { keepdims: k, axes: axes ? [...axes] : undefined });
}

export function unsqueeze(g: ModelGraph, x: string, axes: readonly number[]): string {
  if (axes.length === 0) return x;
  if (g.opset < 13) return g.add('Unsqueeze', [x], { axes: [...axes] });
  return g.add('Unsqueeze', [x, g.int64s(axes)]);
}

export function squeeze(g: ModelGraph, x: string, axes: readonly number[]): string {
  if (axes.length === 0) return x;
  if (g.opset < 13) return g.add('Squeeze', [x], { axes: [...axes] });
  return g.add('Squeeze', [x, g.int64s(axes)]);
}

/**
 * Split along `axis` into pieces of the given sizes (a list of numbers, or a 1-D int64 tensor). Before
 * opset 13 sizes given as a tensor become one Slice per piece.
 */
export function split(g: ModelGraph, x: string, sizes: readonly number[] | string, count: number, axis: number): string[] {
  if (g.opset < 13) {
    if (typeof sizes !== 'string') return g.addNode('Split', [x], { axis, split: [...sizes] }, { outputs: count });
    const ends = g.add('CumSum', [sizes, g.constant([0], 'int64', [])]);
    const starts = g.add('Sub', [ends, sizes]);
    return Array.from({ length: count }, (_, i) => {
      const at = (t: string) => g.add('Slice', [t, g.int64s([i]), g.int64s([i + 1]), g.int64s([0])]);
      return slice(g, x, at(starts), at(ends), [axis]);
    });
  }
  const sizesTensor = typeof sizes === 'string' ? sizes : g.int64s(sizes);
  return g.addNode('Split', [x, sizesTensor], { axis }, { outputs: count });
}

export function slice(g: ModelGraph, x: string, starts: readonly number[] | string, ends: readonly number[] | string, axes: readonly number[], steps?: readonly number[]): string {
  const asTensor = (v: readonly number[] | string) => (typeof v === 'string' ? v : g.int64s(v));
  const inputs = [x, asTensor(starts), asTensor(ends), g.int64s(axes)];
  if (steps) inputs.push(g.int64s(steps));
  return g.add('Slice', inputs);
}

/** Dims [from, to) of x's shape, as a 1-D int64 tensor (folded to a constant when known). */
export function dimsOf(g: ModelGraph, x: string, from: number, to?: number): string {
  const rank = g.info(x).shape?.length;
  const end = to ?? rank;
  if (from === 0 && (end === undefined || end === rank)) return g.shapeOf(x);
  return slice(g, g.shapeOf(x), [from], [end ?? Number.MAX_SAFE_INTEGER], [0]);
}

/** A tensor of zeros with the shape and element type of `x`. */
export function zerosLike(g: ModelGraph, x: string): string {
  const dtype = g.info(x).dtype ?? DataType.FLOAT;
  return g.add('ConstantOfShape', [g.shapeOf(x)], { value: makeTensor('value', dtype, [1], [0]) });
}

/** A tensor filled with `value` whose shape is the 1-D int64 tensor `shape`. */
export function filled(g: ModelGraph, shape: string, value: number, dtype: number): string {
  return g.add('ConstantOfShape', [shape], { value: makeTensor('value', dtype, [1], [value]) });
}

/** Reshapes x to the shape of `like` (the shape is folded to a constant when fully known). */
export function reshapeLike(g: ModelGraph, x: string, like: string): string {
  return g.add('Reshape', [x, g.shapeOf(like)]);
}

/** Concatenation of 1-D int64 pieces given as tensors or literal numbers. */
export function concatInts(g: ModelGraph, parts: readonly (string | readonly number[])[]): string {
  const tensors = parts.map((p) => (typeof p === 'string' ? p : g.int64s(p)));
  return (tensors.length === 1 ? tensors[0] : g.add('Concat', tensors, { axis: 0 }))!;
}
