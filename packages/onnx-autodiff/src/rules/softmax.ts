import { reduceSum } from '../emit.js';
import type { GradientContext, GradientRule } from '../rule.js';
import { normalizeAxis } from '../tensor-info.js';

/**
 * The axes one softmax normalises over: from opset 13 the single `axis` (default -1, which ReduceSum
 * accepts as is); before, the input is seen as 2-D and every axis from `axis` (default 1) on counts.
 */
function softmaxAxes(ctx: GradientContext): number[] {
  if (ctx.opset >= 13) return [ctx.attrs.int('axis', -1)];
  const rank = ctx.rank(ctx.input(0));
  const axis = normalizeAxis(ctx.attrs.int('axis', 1), rank);
  return Array.from({ length: rank - axis }, (_, i) => axis + i);
}

/** dX = y * (dY - sum(dY * y, axes)). */
const softmax: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const y = ctx.output(0);
    const dot = reduceSum(g, g.add('Mul', [dy, y]), softmaxAxes(ctx), true);
    return [g.add('Mul', [y, g.add('Sub', [dy, dot])])];
  },
};

/** dX = dY - exp(y) * sum(dY, axes). */
const logSoftmax: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const y = ctx.output(0);
    const total = reduceSum(g, dy, softmaxAxes(ctx), true);
    return [g.add('Sub', [dy, g.add('Mul', [g.add('Exp', [y]), total])])];
  },
};

export const softmaxRules: Record<string, GradientRule> = {
  Softmax: softmax,
  LogSoftmax: logSoftmax,
};
