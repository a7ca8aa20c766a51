import { concatInts, dimsOf, filled, reduce, reduceSum, squeeze } from '../emit.js';
import type { ModelGraph } from '../model-graph.js';
import { DataType } from '../proto.js';
import { type GradientContext, type GradientRule, RuleLimitation } from '../rule.js';
import { maxPoolByTaps } from './max-pool-taps.js';
import { forwardPads, type WindowGeometry, windowAdjoint, windowGeometry } from './windows.js';

/** Kernels with more taps than this are differentiated tap by tap (see max-pool-taps.ts). */
export const LARGE_KERNEL_TAPS = 16;

function poolKernel(ctx: GradientContext): number[] {
  const kernel = ctx.attrs.ints('kernel_shape');
  if (!kernel) throw new RuleLimitation('kernel_shape is missing');
  return kernel;
}

/** x as [N*C, 1, *spatial], so one single-channel kernel serves every channel. */
function asSingleChannel(g: ModelGraph, x: string): string {
  return g.add('Reshape', [x, concatInts(g, [[-1, 1], dimsOf(g, x, 2)])]);
}

/** [K, 1, *kernel] weights whose k-th filter picks the k-th tap of the window (row-major order). */
function tapPickers(g: ModelGraph, kernel: readonly number[], dtype: number): string {
  const taps = kernel.reduce((a, b) => a * b, 1);
  const values = new Array(taps * taps).fill(0);
  for (let k = 0; k < taps; k++) values[k * taps + k] = 1;
  return g.constant(values, dtype, [taps, 1, ...kernel], 'ad/pool_taps');
}

/**
 * Whether the op has one window per channel that covers the whole input (e.g. EfficientNet's
 * AvgPool2d(kernel = 1280, ceil_mode) over a 3x3 map): its gradient is a broadcast, while the
 * transposed convolution would run over a kernel-sized canvas per channel (tens of GB at batch 50).
 */
function coversInput(geometry: WindowGeometry): boolean {
  return geometry.kernel.every((k, i) => {
    const d = geometry.inSpatial[i];
    const span = (k - 1) * geometry.dilations[i]! + 1;
    return geometry.outSpatial[i] === 1 && typeof d === 'number' && span - geometry.padsBegin[i]! >= d;
  });
}

function hasPadding(geometry: WindowGeometry, pads: readonly number[]): boolean {
  return geometry.padsBegin.some((p) => p > 0) || pads.some((p) => p > 0);
}

/** Ones shaped [1, 1, *spatial of x]: the indicator of the unpadded input. */
function onesImage(g: ModelGraph, x: string, dtype: number): string {
  return filled(g, concatInts(g, [[1, 1], dimsOf(g, x, 2)]), 1, dtype);
}

/**
 * MaxPool without its Indices output (which onnxruntime-web's WebGPU provider rejects): the window
 * is unfolded into K channels by a convolution with one-hot taps, the winning tap is picked, and the
 * gradient goes back through the transposed convolution. Ties go to the first tap in row-major window
 * order, as in PyTorch (or are shared, with maxPoolTies 'split'); padding taps never win. Float ops
 * only: no ArgMax, whose int64 output the WebGPU provider does not offer.
 */
const maxPool: GradientRule = {
  check(ctx) {
    if (ctx.attrs.int('storage_order', 0) !== 0) throw new RuleLimitation('storage_order=1 is not supported');
  },
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const [x, y] = [ctx.input(0), ctx.output(0)];
    const dtype = ctx.dtype(x);
    const kernel = poolKernel(ctx);
    const taps = kernel.reduce((a, b) => a * b, 1);
    const geometry = windowGeometry(ctx, kernel, x, y);
    // Padding taps never win, so one window over everything is GlobalMaxPool.
    if (coversInput(geometry)) return globalMaxPool.backward(ctx, [dy]);
    const pads = forwardPads(geometry, ctx.attrs.int('ceil_mode', 0) === 1);
    // Past 4x4 the K-channel unfold below outgrows the pooling itself: go tap by tap instead.
    if (taps > LARGE_KERNEL_TAPS) {
      const byTaps = maxPoolByTaps(ctx, dy, geometry, pads);
      if (byTaps) return [byTaps];
    }
    const windowAttrs = { kernel_shape: kernel, strides: [...geometry.strides], dilations: [...geometry.dilations], pads };
    const pickers = tapPickers(g, kernel, dtype);
    let unfolded = g.add('Conv', [asSingleChannel(g, x), pickers], windowAttrs);
    if (hasPadding(geometry, pads.slice(kernel.length))) {
      const inside = g.add('Conv', [onesImage(g, x, dtype), pickers], windowAttrs);
      // -inf on padding taps (a small [1, K, *out] tensor that runtimes fold), so they never win.
      const valid = g.add('Greater', [inside, ctx.scalar(0.5, x)]);
      const penalty = g.add('Where', [valid, ctx.scalar(0, x), ctx.scalar(Number.NEGATIVE_INFINITY, x)]);
      unfolded = g.add('Add', [unfolded, penalty]);
    }
    const hits = g.add('Equal', [unfolded, asSingleChannel(g, y)]);
    let routed: string;
    if (ctx.options.maxPoolTies === 'split') {
      // Every tap equal to the window's max shares the window's gradient.
      routed = g.add('Mul', [asSingleChannel(g, dy), shareOf(ctx, g.add('Cast', [hits], { to: dtype }), [1])]);
    } else {
      const tapIds = g.constant(
        Array.from({ length: taps }, (_, k) => k),
        DataType.FLOAT,
        [1, taps, ...kernel.map(() => 1)],
        'ad/pool_tap_ids',
      );
      routed = ctx.masked(asSingleChannel(g, dy), firstHit(ctx, hits, tapIds, 1));
    }
    const dx = windowAdjoint(g, routed, pickers, geometry, 1, x);
    return [g.add('Reshape', [dx, g.shapeOf(x)])];
  },
};

/**
 * AveragePool's adjoint: dY scaled by each window's weight, spread back by a transposed convolution
 * with a kernel of ones. The weights are read off the runtime's own AveragePool of ones, divided by
 * the count of unpadded taps, so count_include_pad and ceil_mode follow the runtime exactly.
 */
const averagePool: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const [x, y] = [ctx.input(0), ctx.output(0)];
    const dtype = ctx.dtype(x);
    const kernel = poolKernel(ctx);
    const taps = kernel.reduce((a, b) => a * b, 1);
    const geometry = windowGeometry(ctx, kernel, x, y);
    const ceil = ctx.attrs.int('ceil_mode', 0) === 1;
    const poolAttrs = {
      kernel_shape: kernel,
      strides: [...geometry.strides],
      pads: [...geometry.padsBegin, ...geometry.padsEnd],
      ceil_mode: ceil ? 1 : 0,
      count_include_pad: ctx.attrs.int('count_include_pad', 0),
      dilations: ctx.attrs.has('dilations') ? [...geometry.dilations] : undefined,
    };
    if (coversInput(geometry)) {
      // dx = dy * (the runtime's AveragePool of ones, i.e. unpadded taps / divisor) / unpadded taps, broadcast.
      const inside = (geometry.inSpatial as number[]).reduce((a, b) => a * b, 1);
      const weight = g.add('Div', [g.add('AveragePool', [onesImage(g, x, dtype)], poolAttrs), ctx.scalar(inside, x)]);
      return [g.add('Expand', [g.add('Mul', [dy, weight]), g.shapeOf(x)])];
    }
    const pads = forwardPads(geometry, ceil);
    const ones = g.constant(new Array(taps).fill(1), dtype, [1, 1, ...kernel], 'ad/pool_ones');
    let scaled: string;
    if (!hasPadding(geometry, pads.slice(kernel.length))) {
      scaled = g.add('Mul', [asSingleChannel(g, dy), ctx.scalar(1 / taps, x)]);
    } else {
      const image = onesImage(g, x, dtype);
      const pooledOnes = g.add('AveragePool', [image], poolAttrs);
      const unpadded = g.add('Conv', [image, ones], {
        kernel_shape: kernel,
        strides: [...geometry.strides],
        dilations: [...geometry.dilations],
        pads,
      });
      scaled = g.add('Mul', [asSingleChannel(g, dy), g.add('Div', [pooledOnes, unpadded])]);
    }
    const dx = windowAdjoint(g, scaled, ones, geometry, 1, x);
    return [g.add('Reshape', [dx, g.shapeOf(x)])];
  },
};

/** 1 / (number of spatial elements of x), a constant when known. */
function inverseSpatialSize(ctx: GradientContext, x: string): string {
  const g = ctx.graph;
  const shape = ctx.staticShape(x);
  if (shape) return ctx.scalar(1 / shape.slice(2).reduce((a, b) => a * b, 1), x);
  const count = g.add('ReduceProd', [dimsOf(g, x, 2)], { keepdims: 0 });
  return g.add('Reciprocal', [g.add('Cast', [count], { to: ctx.dtype(x) })]);
}

const globalAveragePool: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const x = ctx.input(0);
    return [g.add('Mul', [g.add('Expand', [dy, g.shapeOf(x)]), inverseSpatialSize(ctx, x)])];
  },
};

/** hits / (number of hits along axes), the hits' share of a gradient; never divides by zero. */
function shareOf(ctx: GradientContext, hits: string, axes: number[]): string {
  const g = ctx.graph;
  const count = reduceSum(g, hits, axes, true);
  return g.add('Div', [hits, g.add('Max', [count, ctx.scalar(1, hits)])]);
}

/**
 * Where `hits` holds first along `axis`: the lowest position among the hits, found with float ops
 * only (a ReduceMin of the hits' positions, non-hits standing beyond every position), so WebGPU can
 * run it. Positions are float32 whole numbers below 2^24 (exact, whatever the model's float type).
 */
function firstHit(ctx: GradientContext, hits: string, positions: string, axis: number): string {
  const g = ctx.graph;
  const candidates = g.add('Where', [hits, positions, g.scalar(2 ** 24, DataType.FLOAT)]);
  return g.add('Equal', [candidates, reduce(g, 'ReduceMin', candidates, [axis], true)]);
}

/** 0, 1, ... along the flattened spatial axis of x, as float32: a constant when the size is known. */
function flatPositions(ctx: GradientContext, x: string, flat: string): string {
  const g = ctx.graph;
  const dtype = DataType.FLOAT;
  const shape = ctx.staticShape(x);
  if (shape) {
    const count = shape.slice(2).reduce((a, b) => a * b, 1);
    return g.constant(
      Array.from({ length: count }, (_, k) => k),
      dtype,
      [count],
      'ad/pool_positions',
    );
  }
  const count = g.add('Cast', [squeeze(g, dimsOf(g, flat, 2, 3), [0])], { to: dtype });
  return g.add('Range', [g.scalar(0, dtype), count, g.scalar(1, dtype)]);
}

/** GlobalMaxPool: the gradient goes to the first maximum of each channel (row-major), as in PyTorch. */
const globalMaxPool: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const x = ctx.input(0);
    if (ctx.options.maxPoolTies === 'split') {
      const hits = g.add('Cast', [g.add('Equal', [x, ctx.output(0)])], { to: ctx.dtype(x) });
      const rank = ctx.rank(x);
      return [
        g.add('Mul', [
          dy,
          shareOf(
            ctx,
            hits,
            Array.from({ length: rank - 2 }, (_, i) => i + 2),
          ),
        ]),
      ];
    }
    const flat = g.add('Reshape', [x, concatInts(g, [dimsOf(g, x, 0, 2), [-1]])]);
    const dyFlat = g.add('Reshape', [dy, concatInts(g, [dimsOf(g, x, 0, 2), [1]])]);
    const hits = g.add('Equal', [flat, g.add('Reshape', [ctx.output(0), g.shapeOf(dyFlat)])]);
    const routed = ctx.masked(dyFlat, firstHit(ctx, hits, flatPositions(ctx, x, flat), 2));
    return [g.add('Reshape', [routed, g.shapeOf(x)])];
  },
};

export const poolingRules: Record<string, GradientRule> = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: globalMaxPool,
};
