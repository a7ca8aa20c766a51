import { concatInts, dimsOf, slice } from '../emit.js';
import type { ModelGraph } from '../model-graph.js';
import { type GradientContext, RuleLimitation } from '../rule.js';
import type { Dim } from '../tensor-info.js';

/**
 * The geometry shared by Conv and the pools: a window of `kernel` taps, `dilations` apart, moved by
 * `strides`, over an input padded by `padsBegin`/`padsEnd` (auto_pad resolved to explicit pads).
 */
export interface WindowGeometry {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
  /** Spatial dims of the input and the output (numbers when known). */
  readonly inSpatial: readonly Dim[];
  readonly outSpatial: readonly Dim[];
}

export function windowGeometry(ctx: GradientContext, kernel: readonly number[], x: string, y: string): WindowGeometry {
  const spatial = kernel.length;
  const strides = ctx.attrs.ints('strides') ?? kernel.map(() => 1);
  const dilations = ctx.attrs.ints('dilations') ?? kernel.map(() => 1);
  const inSpatial = (ctx.info(x).shape ?? []).slice(2);
  const outSpatial = (ctx.info(y).shape ?? []).slice(2);
  if (inSpatial.length !== spatial) throw new RuleLimitation(`the rank of input '${x}' is unknown`);
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  let padsBegin: number[];
  let padsEnd: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    padsBegin = [];
    padsEnd = [];
    for (let i = 0; i < spatial; i++) {
      const d = inSpatial[i];
      if (typeof d !== 'number') throw new RuleLimitation(`auto_pad=${autoPad} needs the spatial dims of '${x}', unknown here: specialise the graph to the input shapes`);
      const out = Math.ceil(d / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - d);
      const small = Math.floor(total / 2);
      padsBegin.push(autoPad === 'SAME_UPPER' ? small : total - small);
      padsEnd.push(autoPad === 'SAME_UPPER' ? total - small : small);
    }
  } else if (autoPad === 'VALID') {
    padsBegin = kernel.map(() => 0);
    padsEnd = kernel.map(() => 0);
  } else {
    const pads = ctx.attrs.ints('pads') ?? new Array(2 * spatial).fill(0);
    padsBegin = pads.slice(0, spatial);
    padsEnd = pads.slice(spatial);
  }
  return { kernel, strides, dilations, padsBegin, padsEnd, inSpatial, outSpatial };
}

/**
 * End pads that make a forward window op and its transpose agree on sizes: a (strided) window op
 * leaves `r` trailing input elements unused, and ceil_mode adds windows past the end padding. With
 * end pad `e = (out-1)*s + span - in - begin` both the forward and the transposed op see exactly
 * the used extent; when `e < 0` the transposed op gets `output_padding = -e` instead.
 * Returns undefined when the spatial dims are not known at build time.
 */
export function matchedEndPads(geometry: WindowGeometry): { forward: number[]; transposed: number[]; outputPadding: number[] } | undefined {
  const forward: number[] = [];
  const transposed: number[] = [];
  const outputPadding: number[] = [];
  for (let i = 0; i < geometry.kernel.length; i++) {
    const d = geometry.inSpatial[i];
    const out = geometry.outSpatial[i];
    if (typeof d !== 'number' || typeof out !== 'number') return undefined;
    const span = (geometry.kernel[i]! - 1) * geometry.dilations[i]! + 1;
    const end = (out - 1) * geometry.strides[i]! + span - d - geometry.padsBegin[i]!;
    forward.push(Math.max(end, 0));
    transposed.push(Math.max(end, 0));
    outputPadding.push(Math.max(-end, 0));
  }
  return { forward, transposed, outputPadding };
}

/**
 * How the adjoint's ConvTranspose covers one axis of the forward input: its pads and output_padding,
 * and, where it must be cropped, where the forward input starts in its output (`keepFrom`).
 */
interface AxisCover {
  readonly padBegin: number;
  readonly padEnd: number;
  readonly outputPadding: number;
  readonly keepFrom: number;
  readonly cropped: boolean;
}

/**
 * onnxruntime-web's WebGPU ConvTranspose (the JSEP kernel, 1.30 and earlier) starts its output at
 * floor((begin + end) / 2) instead of the begin pad, so it is right only when end is begin or
 * begin + 1. The canvas of the transposed op is `(out-1)*stride + span`; the forward input is its
 * extent [begin, begin + in), i.e. the matched end pad `end` (negative: trailing inputs no window
 * reads, whose gradient is zero). Covers that extent with pads the kernel reads right:
 * - end in {begin, begin + 1}: those pads;
 * - end < begin: pads (begin, begin) and output_padding begin - end, where onnxruntime accepts it
 *   (below max(stride, dilation));
 * - otherwise: pads (c, c) with c = min(begin, max(end, 0)), output_padding -end where end < 0
 *   (always below the stride), then the input's extent is cropped out.
 */
function coverAxis(begin: number, end: number, stride: number, dilation: number): AxisCover {
  if (end === begin || end === begin + 1) return { padBegin: begin, padEnd: end, outputPadding: 0, keepFrom: 0, cropped: false };
  if (end < begin && begin - end < Math.max(stride, dilation)) {
    return { padBegin: begin, padEnd: begin, outputPadding: begin - end, keepFrom: 0, cropped: false };
  }
  const common = Math.min(begin, Math.max(end, 0));
  return { padBegin: common, padEnd: common, outputPadding: Math.max(-end, 0), keepFrom: begin - common, cropped: true };
}

/**
 * The adjoint of a window op: ConvTranspose(dy, weight) with the forward op's geometry, sized to the
 * forward input. `sizeSource` is a tensor whose dims [2:] are the input's spatial dims (used only when
 * they are not known at build time: the result is then cropped and zero-padded at run time). The
 * pads always have end = begin or begin + 1 (see `coverAxis`), and any other extent is cropped.
 */
export function windowAdjoint(g: ModelGraph, dy: string, weight: string, geometry: WindowGeometry, group: number, sizeSource: string): string {
  const spatial = geometry.kernel.length;
  const axes = Array.from({ length: spatial }, (_, i) => i + 2);
  const common = {
    strides: [...geometry.strides],
    dilations: [...geometry.dilations],
    kernel_shape: [...geometry.kernel],
    group,
  };
  const matched = matchedEndPads(geometry);
  if (matched) {
    const covers = geometry.padsBegin.map((begin, i) => coverAxis(begin, matched.transposed[i]! - matched.outputPadding[i]!, geometry.strides[i]!, geometry.dilations[i]!));
    const outputPadding = covers.map((c) => c.outputPadding);
    const transposed = g.add('ConvTranspose', [dy, weight], {
      ...common,
      pads: [...covers.map((c) => c.padBegin), ...covers.map((c) => c.padEnd)],
      output_padding: outputPadding.some((p) => p > 0) ? outputPadding : undefined,
    });
    const cropAxes = axes.filter((_, i) => covers[i]!.cropped);
    if (cropAxes.length === 0) return transposed;
    const from = covers.filter((c) => c.cropped).map((c) => c.keepFrom);
    const lengths = cropAxes.map((axis) => geometry.inSpatial[axis - 2] as number);
    return slice(
      g,
      transposed,
      from,
      from.map((f, i) => f + lengths[i]!),
      cropAxes,
    );
  }
  // Unknown sizes: transpose onto the whole canvas (zero pads, which every kernel reads right), then
  // crop the input's extent and zero-pad the trailing inputs no window reads.
  const canvas = g.add('ConvTranspose', [dy, weight], { ...common, pads: new Array(2 * spatial).fill(0) });
  const target = dimsOf(g, sizeSource, 2);
  const begins = [...geometry.padsBegin];
  const ends = begins.some((b) => b > 0) ? g.add('Add', [target, g.int64s(begins)]) : target;
  const cropped = slice(g, canvas, begins, ends, axes);
  const missing = g.add('Sub', [target, dimsOf(g, cropped, 2)]);
  const pads = concatInts(g, [new Array(spatial + 4).fill(0), missing]);
  return g.add('Pad', [cropped, pads]);
}

/** Forward-op pads for a window op applied by the gradient (e.g. MaxPool's unfold), matching `windowAdjoint`. */
export function forwardPads(geometry: WindowGeometry, ceilMode: boolean): number[] {
  const matched = matchedEndPads(geometry);
  if (matched) return [...geometry.padsBegin, ...matched.forward];
  if (ceilMode) throw new RuleLimitation('ceil_mode=1 needs the spatial dims of its input, unknown here: specialise the graph to the input shapes');
  return [...geometry.padsBegin, ...geometry.padsEnd];
}
