import { type Layout, OptionError } from '@salience/core';

/**
 * A window or stride: a number (the spatial size, square), a pair `[height, width]` for images
 * (the spatial size; the channel extent is filled in), or one size per dimension of an example
 * (the input shape without the batch, in the model's layout, e.g. NCHW `[C, h, w]`, NHWC `[h, w, C]`).
 */
export type WindowSize = number | readonly number[];

/** The sliding windows over one example: per dimension of the example (batch excluded). */
export interface WindowGrid {
  /** Dimensions of one example. */
  readonly dims: readonly number[];
  /** Window extent per dimension, after clamping to the example. */
  readonly window: readonly number[];
  readonly stride: readonly number[];
  /** Window positions per dimension: ceil((dim - window) / stride) + 1. */
  readonly positions: readonly number[];
}

/** Axis of an example (batch excluded) that holds the channels, or -1 when there is none. */
function channelDim(layout: Layout, rank: number): number {
  if (rank !== 3) return -1;
  if (layout === 'NCHW') return 0;
  if (layout === 'NHWC') return 2;
  return -1;
}

function describe(size: WindowSize): string {
  if (typeof size === 'number') return String(size);
  // A caller's value of the wrong type is described, not a raw TypeError from join.
  return Array.isArray(size) || ArrayBuffer.isView(size) ? `[${Array.from(size as ArrayLike<number>).join(', ')}]` : `(a ${typeof size})`;
}

/**
 * Expands a shorthand to one size per dimension: a number or `[h, w]` covers the spatial
 * dimensions, and the channel dimension takes `channelFill`.
 */
function expand(what: 'window' | 'stride', size: WindowSize, dims: readonly number[], layout: Layout, channelFill: number): number[] {
  const rank = dims.length;
  const channel = channelDim(layout, rank);
  const values = typeof size === 'number' ? null : Array.from(size);
  let out: number[];
  if (values === null) {
    out = dims.map((_, d) => (d === channel ? channelFill : (size as number)));
  } else if (values.length === rank) {
    out = values;
  } else if (channel >= 0 && values.length === 2) {
    const spatial = [...values];
    out = dims.map((_, d) => (d === channel ? channelFill : (spatial.shift() as number)));
  } else {
    const forms = channel >= 0 ? `a number, [height, width] or ${rank} sizes (${layout} without the batch)` : `a number or ${rank} sizes`;
    throw new OptionError(`${what} ${describe(size)} does not fit examples of shape [${dims.join(', ')}]; give ${forms}.`);
  }
  for (const v of out) {
    if (!Number.isInteger(v) || v < 1) {
      throw new OptionError(`${what} ${describe(size)} has a size ${v}; sizes are positive integers.`);
    }
  }
  return out;
}

/** Default window: one eighth of the shorter side of an image (at least 1) over all channels; 1 elsewhere. */
export function defaultWindow(dims: readonly number[], layout: Layout): number {
  const channel = channelDim(layout, dims.length);
  if (channel < 0) return 1;
  const spatial = dims.filter((_, d) => d !== channel);
  return Math.max(1, Math.ceil(Math.min(...spatial) / 8));
}

/**
 * Resolves the window and stride for examples of shape `dims`. Windows larger than the example are
 * clamped to it; the stride defaults to the window (non-overlapping tiles) and must not exceed it
 * where the window is smaller than the example (Captum's rule), or some elements would never be covered.
 */
export function windowGrid(dims: readonly number[], layout: Layout, window?: WindowSize, stride?: WindowSize): WindowGrid {
  const channel = channelDim(layout, dims.length);
  const requested = expand('window', window ?? defaultWindow(dims, layout), dims, layout, (channel >= 0 ? dims[channel] : 1)!);
  const clamped = requested.map((w, d) => Math.min(w, dims[d]!));
  const strides = stride === undefined ? [...clamped] : expand('stride', stride, dims, layout, (channel >= 0 ? clamped[channel] : 1)!);
  clamped.forEach((w, d) => {
    if (w < dims[d]! && strides[d]! > w) {
      throw new OptionError(
        `stride ${describe(stride as WindowSize)} is larger than window ${describe(window ?? clamped)} along dimension ${d} (${strides[d]} > ${w}), which would leave elements that no window covers; use a stride of at most the window.`,
      );
    }
  });
  const positions = clamped.map((w, d) => Math.ceil((dims[d]! - w) / strides[d]!) + 1);
  return { dims: [...dims], window: clamped, stride: strides, positions };
}
