import { reduceSum } from '../emit.js';
import { type GradientContext, type GradientRule, RuleLimitation } from '../rule.js';
import { windowAdjoint, windowGeometry } from './windows.js';

function kernelOf(ctx: GradientContext): number[] {
  const fromAttr = ctx.attrs.ints('kernel_shape');
  if (fromAttr) return fromAttr;
  const w = ctx.staticShape(ctx.input(1));
  if (!w) throw new RuleLimitation(`the kernel shape is unknown (no kernel_shape attribute, weight '${ctx.input(1)}' has no static shape)`);
  return w.slice(2);
}

/** The bias gradient of a conv-like op: dY summed over every axis but the channels. */
function biasGradient(ctx: GradientContext, dy: string): string {
  const rank = ctx.rank(ctx.output(0));
  return reduceSum(ctx.graph, dy, [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)], false);
}

const conv: GradientRule = {
  differentiable: [0, 2],
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const [x, w] = [ctx.input(0), ctx.input(1)];
    const geometry = windowGeometry(ctx, kernelOf(ctx), x, ctx.output(0));
    // dX is the transposed convolution of dY with the same weights and geometry.
    const dx = ctx.needs(0) ? windowAdjoint(ctx.graph, dy, w, geometry, ctx.attrs.int('group', 1), x) : undefined;
    return [dx, undefined, ctx.needs(2) ? biasGradient(ctx, dy) : undefined];
  },
};

const convTranspose: GradientRule = {
  differentiable: [0, 2],
  check(ctx) {
    const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw new RuleLimitation(`auto_pad=${autoPad} is not supported; export with explicit pads`);
    if (ctx.attrs.has('output_shape')) throw new RuleLimitation('the output_shape attribute is not supported; export with explicit pads');
  },
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const kernel = kernelOf(ctx);
    const spatial = kernel.length;
    const pads = ctx.attrs.string('auto_pad', 'NOTSET') === 'VALID' ? undefined : ctx.attrs.ints('pads');
    // The adjoint of a transposed convolution is the convolution with the same weights, strides and pads;
    // output_padding only adds trailing outputs that the convolution never reads.
    const dx = ctx.needs(0)
      ? ctx.graph.add('Conv', [dy, ctx.input(1)], {
          kernel_shape: kernel,
          strides: ctx.attrs.ints('strides') ?? kernel.map(() => 1),
          dilations: ctx.attrs.ints('dilations') ?? kernel.map(() => 1),
          pads: pads ?? new Array(2 * spatial).fill(0),
          group: ctx.attrs.int('group', 1),
        })
      : undefined;
    return [dx, undefined, ctx.needs(2) ? biasGradient(ctx, dy) : undefined];
  },
};

export const convRules: Record<string, GradientRule> = {
  Conv: conv,
  ConvTranspose: convTranspose,
};
