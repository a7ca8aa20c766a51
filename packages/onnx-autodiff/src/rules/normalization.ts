import { reduceToShapeOf } from '../broadcast.js';
import { reduce } from '../emit.js';
import { type GradientRule, RuleLimitation } from '../rule.js';
import { normalizeAxis } from '../tensor-info.js';

/** Inference-mode BatchNormalization is affine per channel: dX = dY * scale / sqrt(var + eps). */
const batchNormalization: GradientRule = {
  check(ctx) {
    if (ctx.attrs.int('training_mode', 0) === 1) throw new RuleLimitation('training_mode=1 is not supported (inference only)');
  },
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const x = ctx.input(0);
    const epsilon = ctx.attrs.float('epsilon', 1e-5);
    const rank = ctx.rank(x);
    const std = g.add('Sqrt', [g.add('Add', [ctx.input(4), ctx.scalar(epsilon, ctx.input(4))])]);
    let factor = g.add('Div', [ctx.input(1), std]);
    if (ctx.dtype(factor) !== ctx.dtype(x)) factor = g.add('Cast', [factor], { to: ctx.dtype(x) });
    const perChannel = rank > 2 ? g.add('Reshape', [factor, g.int64s([-1, ...new Array(rank - 2).fill(1)])]) : factor;
    return [g.add('Mul', [dy, perChannel])];
  },
};

/**
 * LayerNormalization over axes [axis, rank): with xhat = (x - mean) * rstd and g = dY * scale,
 * dX = rstd * (g - mean(g) - xhat * mean(g * xhat)). Mean and rstd are recomputed, so the op's
 * optional outputs are not needed.
 */
const layerNormalization: GradientRule = {
  differentiable: [0, 1, 2],
  backward(ctx, [dy, dMean, dInvStd]) {
    if (dMean !== undefined || dInvStd !== undefined) {
      throw new RuleLimitation('gradients through the Mean / InvStdDev outputs are not supported');
    }
    if (dy === undefined) return [];
    const g = ctx.graph;
    const [x, scale, bias] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    const rank = ctx.rank(x);
    const axis = normalizeAxis(ctx.attrs.int('axis', -1), rank);
    const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
    const epsilon = ctx.attrs.float('epsilon', 1e-5);
    const mean = (t: string) => reduce(g, 'ReduceMean', t, axes, true);
    const centered = g.add('Sub', [x, mean(x)]);
    const variance = mean(g.add('Mul', [centered, centered]));
    const rstd = g.add('Reciprocal', [g.add('Sqrt', [g.add('Add', [variance, ctx.scalar(epsilon, x)])])]);
    const xhat = g.add('Mul', [centered, rstd]);
    const shape = ctx.info(x);
    let dx: string | undefined;
    if (ctx.needs(0)) {
      const gs = g.add('Mul', [dy, scale]);
      const inner = g.add('Sub', [g.add('Sub', [gs, mean(gs)]), g.add('Mul', [xhat, mean(g.add('Mul', [gs, xhat]))])]);
      dx = g.add('Mul', [inner, rstd]);
    }
    let dScale: string | undefined;
    if (ctx.needs(1)) {
      const term = g.add('Mul', [dy, xhat]);
      g.setInfo(term, shape);
      dScale = reduceToShapeOf(g, term, scale);
    }
    let dBias: string | undefined;
    if (bias && ctx.needs(2)) {
      g.setInfo(dy, shape);
      dBias = reduceToShapeOf(g, dy, bias);
    }
    return [dx, dScale, dBias];
  },
};

export const normalizationRules: Record<string, GradientRule> = {
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
};
