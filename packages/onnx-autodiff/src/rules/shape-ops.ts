import { reshapeLike } from '../emit.js';
import type { GradientRule } from '../rule.js';

/** Ops that only rearrange the same elements in row-major order: dX is dY reshaped back. */
const reshapeBack: GradientRule = {
  constant: [1],
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    return [reshapeLike(ctx.graph, dy, ctx.input(0))];
  },
};

const transpose: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const rank = ctx.rank(ctx.input(0));
    const perm = ctx.attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [ctx.graph.add('Transpose', [dy], { perm: inverse })];
  },
};

export const shapeRules: Record<string, GradientRule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Transpose: transpose,
};
