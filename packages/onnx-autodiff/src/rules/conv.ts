import { reduceSum, slice } from '../emit.js';
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

/**
 * The weights of the convolution that is the adjoint of a stride-1 convolution: in and out channels
 * swapped (within each group) and every kernel axis reversed. Built from the weight tensor in the
 * graph, so a runtime that folds constants computes it once at load time.
 */
function adjointWeights(ctx: GradientContext, group: number, spatial: number): string | undefined {
  const g = ctx.graph;
  const w = ctx.input(1);
  const shape = ctx.staticShape(w);
  if (group > 1 && !shape) return undefined;
  return g.cached(`conv-adjoint|${w}|${group}`, () => {
    const kernelAxes = Array.from({ length: spatial }, (_, i) => i + 2);
    let swapped: string;
    if (group === 1) swapped = g.add('Transpose', [w], { perm: [1, 0, ...kernelAxes] });
    else {
      const [m, cg, ...kernel] = shape! as [number, number, ...number[]];
      const split = g.add('Reshape', [w, g.int64s([group, m / group, cg, ...kernel])]);
      const perm = [0, 2, 1, ...kernelAxes.map((a) => a + 1)];
      swapped = g.add('Reshape', [g.add('Transpose', [split], { perm }), g.int64s([group * cg, m / group, ...kernel])]);
    }
    return slice(
      g,
      swapped,
      kernelAxes.map(() => -1),
      kernelAxes.map(() => -Number.MAX_SAFE_INTEGER),
      kernelAxes,
      kernelAxes.map(() => -1),
    );
  });
}

const conv: GradientRule = {
  differentiable: [0, 2],
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const [x, w] = [ctx.input(0), ctx.input(1)];
    const group = ctx.attrs.int('group', 1);
    const geometry = windowGeometry(ctx, kernelOf(ctx), x, ctx.output(0));
    let dx: string | undefined;
    if (ctx.needs(0)) {
      // Stride 1: a plain convolution of dY with the flipped, transposed weights (runtimes optimise Conv
      // far better than ConvTranspose). Otherwise the transposed convolution with the same weights.
      const spans = geometry.kernel.map((k, i) => (k - 1) * geometry.dilations[i]!);
      const plain = geometry.strides.every((s) => s === 1) && spans.every((span, i) => geometry.padsBegin[i]! <= span && geometry.padsEnd[i]! <= span);
      const flipped = plain ? adjointWeights(ctx, group, geometry.kernel.length) : undefined;
      dx = flipped
        ? ctx.graph.add('Conv', [dy, flipped], {
            kernel_shape: [...geometry.kernel],
            dilations: [...geometry.dilations],
            pads: [...spans.map((span, i) => span - geometry.padsBegin[i]!), ...spans.map((span, i) => span - geometry.padsEnd[i]!)],
            group,
          })
        : windowAdjoint(ctx.graph, dy, w, geometry, group, x);
    }
    return [dx, undefined, ctx.needs(2) ? biasGradient(ctx, dy) : undefined];
  },
};

const convTranspose: GradientRule = {
  differentiable: [0, 2],
  check(ctx) {
    const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw new RuleLimitation(`auto_pad=${autoPad} is not supported for ConvTranspose (explicit pads or VALID are)`);
    if (ctx.attrs.has('output_shape')) throw new RuleLimitation('its output_shape attribute is not supported (explicit pads are)');
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
