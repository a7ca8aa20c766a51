import { reduceSum } from './emit.js';
import { ShapeInferenceError } from './errors.js';
import type { ModelGraph } from './model-graph.js';
import { sameDim } from './tensor-info.js';

/**
 * Sums a gradient over the axes along which `target` was broadcast, so that it gets the target's
 * shape. `peers` are the other operands of the broadcast: an axis where they all have size 1 (or no
 * axis) was not broadcast, whatever its size. The axes are found at build time when the shapes say
 * enough; otherwise (a symbolic dimension that might be 1) they are computed at run time.
 */
export function reduceToShapeOf(g: ModelGraph, grad: string, target: string, peers: readonly string[] = []): string {
  const gradShape = g.info(grad).shape;
  const targetShape = g.info(target).shape;
  if (!gradShape) throw new ShapeInferenceError(grad, 'the rank');
  if (!targetShape) throw new ShapeInferenceError(target, 'the rank');
  const lead = gradShape.length - targetShape.length;
  if (lead < 0) throw new ShapeInferenceError(target, 'a rank that broadcasts');
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  let ambiguous = false;
  const peerShapes = peers.map((p) => g.info(p).shape);
  const position = gradShape.length;
  targetShape.forEach((t, j) => {
    const d = gradShape[lead + j]!;
    const fromEnd = position - (lead + j);
    const peerDims = peerShapes.map((s) => (s ? (s.length >= fromEnd ? s[s.length - fromEnd] : 1) : null));
    // Every peer has 1 here, or the same dim as the target: the output dim is the target's own.
    const own = peers.length > 0 && peerDims.every((p) => p === 1 || sameDim(p!, t));
    if (own) return;
    if (t === 1) {
      if (d !== 1) axes.push(lead + j);
    } else if (!(sameDim(t, d) || typeof t === 'number' || d === 1)) ambiguous = true;
  });
  if (!ambiguous) {
    if (axes.length === 0) return grad;
    const summed = reduceSum(g, grad, axes, true);
    const out = lead > 0 ? g.add('Reshape', [summed, g.shapeOf(target)]) : summed;
    g.setInfo(out, { dtype: g.info(grad).dtype, shape: targetShape });
    return out;
  }
  // Run-time axes: those where the (left-padded) target dim is 1 and the gradient's is not.
  if (g.opset < 13) throw new ShapeInferenceError(target, `static dims (opset ${g.opset} cannot reduce over axes computed at run time)`);
  const targetDims = g.shapeOf(target);
  const padded = lead > 0 ? g.add('Concat', [g.int64s(new Array(lead).fill(1)), targetDims], { axis: 0 }) : targetDims;
  const one = g.int64s([1]);
  const gradDims = g.shapeOf(grad);
  const mask = g.add('And', [g.add('Equal', [padded, one]), g.add('Not', [g.add('Equal', [gradDims, one])])]);
  const dynamicAxes = g.add('Reshape', [g.add('NonZero', [mask]), g.int64s([-1])]);
  const summed = g.add('ReduceSum', [grad, dynamicAxes], { keepdims: 1, noop_with_empty_axes: 1 });
  const out = g.add('Reshape', [summed, targetDims]);
  g.setInfo(out, { dtype: g.info(grad).dtype, shape: targetShape });
  return out;
}
