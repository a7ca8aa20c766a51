import { concatInts, dimsOf, slice, split, squeeze, unsqueeze, zerosLike } from '../emit.js';
import { DataType, makeTensor } from '../proto.js';
import { type GradientContext, type GradientRule, RuleLimitation } from '../rule.js';
import { sliceRange } from '../shape-inference.js';
import { normalizeAxis } from '../tensor-info.js';

const INT64_MAX = Number.MAX_SAFE_INTEGER;

/** Concat: each input's gradient is its own stretch of dY along the axis. */
const concat: GradientRule = {
  differentiable: 'all',
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const count = ctx.inputCount;
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), ctx.rank(ctx.output(0)));
    const sizes = Array.from({ length: count }, (_, i) => ctx.info(ctx.input(i)).shape?.[axis]);
    const sizesTensor = sizes.every((d) => typeof d === 'number')
      ? (sizes as number[])
      : concatInts(
          g,
          Array.from({ length: count }, (_, i) => dimsOf(g, ctx.input(i), axis, axis + 1)),
        );
    const pieces = split(g, dy, sizesTensor, count, axis);
    return pieces.map((piece, i) => (ctx.needs(i) ? piece : undefined));
  },
};

/** Split: dX is the concatenation of the outputs' gradients, zeros for the outputs off every path. */
const splitRule: GradientRule = {
  constant: [1],
  backward(ctx, outputGradients) {
    if (outputGradients.every((d) => d === undefined)) return [];
    const g = ctx.graph;
    const outputs = ctx.node.output ?? [];
    const parts = outputs.map((y, i) => outputGradients[i] ?? zerosLike(g, y));
    return [g.add('Concat', parts, { axis: ctx.attrs.int('axis', 0) })];
  },
};

/**
 * Slice: dY is put back where it came from. Strided and reversed slices are first spread out with
 * zeros along their axis, then everything is zero-padded to the input's shape.
 */
const sliceRule: GradientRule = {
  constant: [1, 2, 3, 4],
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const x = ctx.input(0);
    const rank = ctx.rank(x);
    const starts = ctx.values(1);
    const ends = ctx.values(2);
    const axes = ctx.input(3) ? ctx.values(3) : starts?.map((_, i) => i);
    const steps = ctx.input(4) ? ctx.values(4) : starts?.map(() => 1);
    if (!starts || !ends || !axes || !steps) throw new RuleLimitation('its starts/ends/axes/steps must be constants');
    const begins = new Array<number>(rank).fill(0);
    let spread = dy;
    axes.forEach((a, i) => {
      const axis = normalizeAxis(a, rank);
      const step = steps[i]!;
      const d = ctx.info(x).shape?.[axis];
      if (typeof d !== 'number') {
        if (step !== 1 || starts[i]! < 0)
          throw new RuleLimitation(`a negative start or a step needs dim ${axis} of '${x}', unknown here: specialise the graph to the input shapes`);
        begins[axis] = starts[i]!;
        return;
      }
      const { indices } = sliceRange(starts[i]!, ends[i]!, step, d);
      if (indices.length === 0) {
        begins[axis] = 0;
        return;
      }
      if (step < 0) {
        spread = slice(g, spread, [-1], [-INT64_MAX], [axis], [-1]);
      }
      const stride = Math.abs(step);
      if (stride > 1) spread = spreadOut(ctx, spread, axis, indices.length, stride);
      begins[axis] = Math.min(indices[0]!, indices[indices.length - 1]!);
    });
    const beginsTensor = g.int64s(begins);
    const ends_ = g.add('Sub', [g.add('Sub', [g.shapeOf(x), g.shapeOf(spread)]), beginsTensor]);
    return [g.add('Pad', [spread, concatInts(g, [beginsTensor, ends_])])];
  },
};

/** Inserts stride-1 zeros between the elements of t along axis: n elements -> (n-1)*stride+1. */
function spreadOut(ctx: GradientContext, t: string, axis: number, n: number, stride: number): string {
  const g = ctx.graph;
  const rank = ctx.rank(ctx.input(0));
  const expanded = unsqueeze(g, t, [axis + 1]);
  const pads = new Array<number>(2 * (rank + 1)).fill(0);
  pads[rank + 1 + axis + 1] = stride - 1;
  const padded = g.add('Pad', [expanded, g.int64s(pads)]);
  const merged = g.add('Reshape', [padded, concatInts(g, [dimsOf(g, t, 0, axis), [n * stride], dimsOf(g, t, axis + 1, rank)])]);
  return slice(g, merged, [0], [(n - 1) * stride + 1], [axis]);
}

/** Constant-mode Pad: dX is dY with the padding cut off (and zeros where the pad cropped). */
const pad: GradientRule = {
  constant: [1, 3],
  check(ctx) {
    const mode = ctx.attrs.string('mode', 'constant');
    if (mode !== 'constant') throw new RuleLimitation(`mode '${mode}' is not supported (only 'constant')`);
  },
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const x = ctx.input(0);
    const rank = ctx.rank(x);
    const pads = ctx.values(1);
    if (!pads) throw new RuleLimitation('its pads must be a constant');
    const axesValues = ctx.input(3) ? ctx.values(3) : undefined;
    if (ctx.input(3) && !axesValues) throw new RuleLimitation('its axes must be a constant');
    const axes = axesValues ? axesValues.map((a) => normalizeAxis(a, rank)) : Array.from({ length: rank }, (_, i) => i);
    const n = axes.length;
    const starts = axes.map((_, i) => Math.max(pads[i]!, 0));
    const ends = axes.map((_, i) => (pads[n + i]! > 0 ? -pads[n + i]! : INT64_MAX));
    let dx = slice(g, dy, starts, ends, axes);
    if (pads.some((p) => p < 0)) {
      const back = new Array<number>(2 * rank).fill(0);
      axes.forEach((axis, i) => {
        back[axis] = Math.max(-pads[i]!, 0);
        back[rank + axis] = Math.max(-pads[n + i]!, 0);
      });
      dx = g.add('Pad', [dx, g.int64s(back)]);
    }
    return [dx];
  },
};

/**
 * Gather: dY's slices are added into zeros at the gathered positions (repeated indices add up).
 * Opset 16+ uses ScatterND with reduction='add'; earlier opsets a one-hot matrix product.
 */
const gather: GradientRule = {
  constant: [1],
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const [data, indices] = [ctx.input(0), ctx.input(1)];
    const rank = ctx.rank(data);
    const q = ctx.rank(indices);
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), rank);
    const dtype = ctx.dtype(data);
    // Work with the gathered axis first: data' = data transposed by `order`, dY' with the index dims first.
    const order = [axis, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis)];
    const dyOrder = [
      ...Array.from({ length: q }, (_, i) => axis + i),
      ...Array.from({ length: axis }, (_, i) => i),
      ...Array.from({ length: rank - 1 - axis }, (_, i) => axis + q + i),
    ];
    const isIdentity = (perm: number[]) => perm.every((p, i) => p === i);
    const dyFirst = isIdentity(dyOrder) ? dy : g.add('Transpose', [dy], { perm: dyOrder });
    const dataDims = g.shapeOf(data);
    const permutedDims = g.add('Gather', [dataDims, g.int64s(order)], { axis: 0 });
    const axisSize = g.add('Gather', [dataDims, g.int64s([axis])], { axis: 0 });
    let scattered: string;
    if (ctx.opset >= 16) {
      let ids = ctx.dtype(indices) === DataType.INT64 ? indices : g.add('Cast', [indices], { to: DataType.INT64 });
      const known = ctx.values(1);
      if (!known || known.some((k) => k < 0)) {
        const wrapped = g.add('Add', [ids, axisSize]);
        ids = g.add('Where', [g.add('Less', [ids, g.constant([0], DataType.INT64, [])]), wrapped, ids]);
      }
      scattered = g.add('ScatterND', [g.add('ConstantOfShape', [permutedDims], { value: zeroTensor(dtype) }), unsqueeze(g, ids, [q]), dyFirst], { reduction: 'add' });
    } else {
      const values = g.constant([0, 1], dtype, [2]);
      const depth = squeeze(g, axisSize, [0]);
      // OneHot wants indices of rank >= 1; a scalar index becomes [1] (one row either way).
      const onehot = g.add('OneHot', [q === 0 ? unsqueeze(g, indices, [0]) : indices, depth, values], { axis: -1 });
      const rows = g.add('Reshape', [onehot, concatInts(g, [[-1], axisSize])]);
      const rest = g.add('Slice', [permutedDims, g.int64s([1]), g.int64s([INT64_MAX]), g.int64s([0])]);
      const flatDy = g.add('Reshape', [dyFirst, concatInts(g, [[-1], g.add('ReduceProd', [rest], { keepdims: 1 })])]);
      const summed = g.add('MatMul', [g.add('Transpose', [rows], { perm: [1, 0] }), flatDy]);
      scattered = g.add('Reshape', [summed, permutedDims]);
    }
    const inverse = new Array<number>(rank);
    order.forEach((p, i) => {
      inverse[p] = i;
    });
    return [isIdentity(inverse) ? scattered : g.add('Transpose', [scattered], { perm: inverse })];
  },
};

function zeroTensor(dtype: number) {
  return makeTensor('value', dtype, [1], [0]);
}

export const indexingRules: Record<string, GradientRule> = {
  Concat: concat,
  Split: splitRule,
  Slice: sliceRule,
  Pad: pad,
  Gather: gather,
};
