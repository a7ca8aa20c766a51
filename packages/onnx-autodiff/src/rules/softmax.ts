import { reduceSum } from '../emit.js';
import type { GradientRule } from '../rule.js';

// Opset 13+ semantics: both ops work along one axis (default -1), which ReduceSum accepts negative.

/** dX = y * (dY - sum(dY * y, axis)). */
const softmax: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const y = ctx.output(0);
    const axis = ctx.attrs.int('axis', -1);
    const dot = reduceSum(g, g.add('Mul', [dy, y]), [axis], true);
    return [g.add('Mul', [y, g.add('Sub', [dy, dot])])];
  },
};

/** dX = dY - exp(y) * sum(dY, axis). */
const logSoftmax: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const y = ctx.output(0);
    const axis = ctx.attrs.int('axis', -1);
    const total = reduceSum(g, dy, [axis], true);
    return [g.add('Sub', [dy, g.add('Mul', [g.add('Exp', [y]), total])])];
  },
};

export const softmaxRules: Record<string, GradientRule> = {
  Softmax: softmax,
  LogSoftmax: logSoftmax,
};
