import { reduceSum, unsqueeze } from '../emit.js';
import { type GradientContext, type GradientRule, RuleLimitation } from '../rule.js';
import { normalizeAxis } from '../tensor-info.js';

/** Reduce ops take axes as an input from opset 13 (ReduceSum) or 18 (the others). */
function reducedAxes(ctx: GradientContext, axesInputFrom: number): number[] | undefined {
  if (ctx.opset >= axesInputFrom) {
    if (!ctx.input(1)) return undefined;
    const axes = ctx.values(1);
    if (!axes) throw new RuleLimitation(`its axes input '${ctx.input(1)}' is computed at run time; it must be a constant`);
    return axes;
  }
  return ctx.attrs.ints('axes');
}

/**
 * dY broadcast back to the input's shape, and 1 / (number of reduced elements) when the shape is
 * static. A no-op reduction (empty axes with noop_with_empty_axes=1) passes dY through.
 */
function expandBack(ctx: GradientContext, dy: string, axesInputFrom: number): { expanded: string; scale?: number } {
  const g = ctx.graph;
  const x = ctx.input(0);
  let axes = reducedAxes(ctx, axesInputFrom);
  if (axes && axes.length === 0) axes = undefined;
  if (!axes && ctx.attrs.int('noop_with_empty_axes', 0) === 1) return { expanded: dy, scale: 1 };
  const keepdims = ctx.attrs.int('keepdims', 1) === 1;
  let aligned = dy;
  if (axes && !keepdims) {
    const rank = ctx.rank(x);
    aligned = unsqueeze(
      g,
      dy,
      [...new Set(axes.map((a) => normalizeAxis(a, rank)))].sort((a, b) => a - b),
    );
  }
  const shape = ctx.staticShape(x);
  let count: number | undefined;
  if (shape) {
    const rank = shape.length;
    const set = axes ? new Set(axes.map((a) => normalizeAxis(a, rank))) : undefined;
    count = shape.reduce((n, d, i) => (set && !set.has(i) ? n : n * d), 1);
  }
  return { expanded: g.add('Expand', [aligned, g.shapeOf(x)]), scale: count === undefined ? undefined : 1 / count };
}

function reduceRule(axesInputFrom: number, finish: (ctx: GradientContext, expanded: string, mean: () => string) => string): GradientRule {
  return {
    constant: [1],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      const g = ctx.graph;
      const x = ctx.input(0);
      const { expanded, scale } = expandBack(ctx, dy, axesInputFrom);
      // 1 / (number of reduced elements), computed at run time when the shape is not static.
      const inverseCount = () =>
        scale !== undefined
          ? ctx.scalar(scale, x)
          : g.add('Div', [g.add('Cast', [g.add('Size', [ctx.output(0)])], { to: ctx.dtype(x) }), g.add('Cast', [g.add('Size', [x])], { to: ctx.dtype(x) })]);
      return [finish(ctx, expanded, inverseCount)];
    },
  };
}

const expandY = (ctx: GradientContext) => {
  // y broadcast to x's shape, for rules that need the reduced value per element.
  const g = ctx.graph;
  const y = ctx.output(0);
  const keepdims = ctx.attrs.int('keepdims', 1) === 1;
  const axes = reducedAxes(ctx, 18);
  const rank = ctx.rank(ctx.input(0));
  const aligned =
    axes?.length && !keepdims
      ? unsqueeze(
          g,
          y,
          axes.map((a) => normalizeAxis(a, rank)).sort((a, b) => a - b),
        )
      : y;
  return aligned;
};

export const reduceRules: Record<string, GradientRule> = {
  ReduceSum: reduceRule(13, (_ctx, expanded) => expanded),
  ReduceMean: reduceRule(18, (ctx, expanded, inverseCount) => ctx.graph.add('Mul', [expanded, inverseCount()])),
  // d/dx sum(x^2) = 2x
  ReduceSumSquare: reduceRule(18, (ctx, expanded) => ctx.graph.add('Mul', [expanded, ctx.graph.add('Mul', [ctx.input(0), ctx.scalar(2, ctx.input(0))])])),
  // d/dx ||x|| = x / ||x||, and 0 where ||x|| = 0 (PyTorch's subgradient there).
  ReduceL2: reduceRule(18, (ctx, expanded) => {
    const g = ctx.graph;
    const x = ctx.input(0);
    const norm = expandY(ctx);
    const safe = g.add('Where', [g.add('Equal', [norm, ctx.scalar(0, x)]), ctx.scalar(1, x), norm]);
    return g.add('Mul', [expanded, g.add('Div', [x, safe])]);
  }),
  ReduceMax: tiedReduction(),
  ReduceMin: tiedReduction(),
};

/** ReduceMax / ReduceMin: the gradient of each reduced slice split evenly among its tied extrema (torch.amax / amin). */
function tiedReduction(): GradientRule {
  return reduceRule(18, (ctx, expanded) => {
    const g = ctx.graph;
    const x = ctx.input(0);
    const axes = reducedAxes(ctx, 18);
    // A no-op reduction (no axes, noop_with_empty_axes=1) is the identity.
    if (!axes?.length && ctx.attrs.int('noop_with_empty_axes', 0) === 1) return expanded;
    const hits = g.add('Cast', [g.add('Equal', [x, expandY(ctx)])], { to: ctx.dtype(x) });
    const rank = ctx.rank(x);
    const all = axes?.length ? axes.map((a) => normalizeAxis(a, rank)) : Array.from({ length: rank }, (_, i) => i);
    const count = reduceSum(g, hits, all, true);
    return g.add('Mul', [expanded, g.add('Div', [hits, count])]);
  });
}
