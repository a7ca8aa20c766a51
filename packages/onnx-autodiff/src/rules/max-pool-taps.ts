import { slice, unsqueeze } from '../emit.js';
import type { GradientContext } from '../rule.js';
import type { WindowGeometry } from './windows.js';

/**
 * MaxPool's gradient one kernel tap at a time, for large kernels (SPP's 13x13 stride-1 pools): each
 * tap is a strided view of the padded input compared with the output, so the gradient never holds
 * the K-channel unfold (K = kernel taps) that the one-hot convolution form needs: at batch 50 that
 * is gigabytes for a 13x13 pool, while this costs K passes over output-sized tensors, about what the
 * pooling itself costs. Ties go to the first tap in row-major window order ('first') or are shared
 * ('split'). Needs static dims (after specialisation); returns undefined otherwise.
 */
export function maxPoolByTaps(ctx: GradientContext, dy: string, geometry: WindowGeometry, pads: readonly number[]): string | undefined {
  const g = ctx.graph;
  const [x, y] = [ctx.input(0), ctx.output(0)];
  const xShape = ctx.staticShape(x);
  const yShape = ctx.staticShape(y);
  if (!xShape || !yShape) return undefined;
  const rank = geometry.kernel.length;
  const axes = Array.from({ length: rank }, (_, i) => i + 2);
  const begins = pads.slice(0, rank);
  const ends = pads.slice(rank);
  const inSizes = xShape.slice(2);
  const outSizes = yShape.slice(2);
  const padded = inSizes.map((d, i) => d + begins[i]! + ends[i]!);
  const extents = outSizes.map((o, i) => (o - 1) * geometry.strides[i]! + 1);
  const anyPad = pads.some((p) => p > 0);
  // -inf padding never wins a window.
  const xp = anyPad ? g.add('Pad', [x, g.int64s([0, 0, ...begins, 0, 0, ...ends]), ctx.scalar(Number.NEGATIVE_INFINITY, x)]) : x;
  const strided = geometry.strides.some((s) => s > 1);

  const offsetsOf = (t: number) => {
    const offsets: number[] = [];
    for (let i = rank - 1; i >= 0; i--) {
      offsets.unshift((t % geometry.kernel[i]!) * geometry.dilations[i]!);
      t = Math.floor(t / geometry.kernel[i]!);
    }
    return offsets;
  };
  const view = (offsets: readonly number[]) =>
    slice(
      g,
      xp,
      offsets,
      offsets.map((o, i) => o + extents[i]!),
      axes,
      strided ? [...geometry.strides] : undefined,
    );
  const hitsAt = (offsets: readonly number[]) => g.add('Equal', [view(offsets), y]);

  /** The routed output-sized gradient of one tap, back at its input positions on the padded canvas. */
  const place = (routed: string, offsets: readonly number[]) => {
    let spread = routed;
    let shape = [...yShape];
    for (let i = 0; i < rank; i++) {
      const s = geometry.strides[i]!;
      if (s === 1) continue;
      // Interleave s - 1 zeros after every element of axis i, then drop the trailing ones.
      const axis = i + 2;
      const opened = unsqueeze(g, spread, [axis + 1]);
      const padsOf = new Array(2 * (shape.length + 1)).fill(0);
      padsOf[shape.length + 1 + axis + 1] = s - 1;
      const widened = g.add('Pad', [opened, g.int64s(padsOf)]);
      shape = shape.map((d, k) => (k === axis ? d * s : d));
      spread = slice(g, g.add('Reshape', [widened, g.int64s(shape)]), [0], [extents[i]!], [axis]);
      shape[axis] = extents[i]!;
    }
    const after = offsets.map((o, i) => padded[i]! - o - extents[i]!);
    if (offsets.every((o) => o === 0) && after.every((a) => a === 0)) return spread;
    return g.add('Pad', [spread, g.int64s([0, 0, ...offsets, 0, 0, ...after])]);
  };

  const taps = geometry.kernel.reduce((a, b) => a * b, 1);
  const dtype = ctx.dtype(x);
  let share = dy;
  if (ctx.options.maxPoolTies === 'split') {
    let count: string | undefined;
    for (let t = 0; t < taps; t++) {
      const hit = g.add('Cast', [hitsAt(offsetsOf(t))], { to: dtype });
      count = count ? g.add('Add', [count, hit]) : hit;
    }
    share = g.add('Div', [dy, count!]);
  }
  let canvas: string | undefined;
  // 1 where an earlier tap already took the window (float ops only, as the rest of MaxPool's rule, for WebGPU).
  let taken: string | undefined;
  for (let t = 0; t < taps; t++) {
    const offsets = offsetsOf(t);
    const hit = g.add('Cast', [hitsAt(offsets)], { to: dtype });
    let routed: string;
    if (ctx.options.maxPoolTies === 'split') routed = g.add('Mul', [share, hit]);
    else {
      const wins = taken ? g.add('Mul', [hit, g.add('Sub', [ctx.scalar(1, x), taken])]) : hit;
      if (t < taps - 1) taken = taken ? g.add('Max', [taken, hit]) : hit;
      routed = g.add('Mul', [dy, wins]);
    }
    const placed = place(routed, offsets);
    // A chain of Adds, so each tap's tensor is freed as soon as it is added.
    canvas = canvas ? g.add('Add', [canvas, placed]) : placed;
  }
  return anyPad
    ? slice(
        g,
        canvas!,
        begins,
        begins.map((b, i) => b + inSizes[i]!),
        axes,
      )
    : canvas!;
}
