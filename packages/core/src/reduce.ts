import { OptionError, ShapeError } from './errors.js';
import type { ValuesLayout } from './method.js';
import type { Layout } from './model.js';
import type { TensorData } from './tensor.js';

export type ChannelReduction = 'max' | 'abs-max' | 'sum' | 'mean' | 'l2';

export const CHANNEL_REDUCTIONS: readonly ChannelReduction[] = ['max', 'abs-max', 'sum', 'mean', 'l2'];

/** Index of the channel (or embedding) axis for a layout, in a tensor of `rank` dimensions. */
export function channelAxis(layout: Layout, rank: number): number {
  switch (layout) {
    case 'NCHW':
      return 1;
    case 'NHWC':
    case 'tokens':
      return rank - 1;
    case 'NC':
      throw new OptionError("A feature vector ('NC') has no channel axis to reduce.");
  }
}

/**
 * Reduces the channel axis: images [B,C,H,W] or [B,H,W,C] become [B,H,W]; token embeddings
 * [B,T,D] become [B,T]. The layout decides which axis is the channel one.
 */
export function reduceChannels(values: TensorData, layout: Layout, reduction: ChannelReduction): TensorData {
  if (!CHANNEL_REDUCTIONS.includes(reduction)) {
    throw new OptionError(`Unknown channel reduction '${reduction}'; use one of ${CHANNEL_REDUCTIONS.join(', ')}.`);
  }
  const rank = values.shape.length;
  if (rank < 3) throw new ShapeError(`Channel reduction needs a tensor of rank 3 or more; got shape [${values.shape}].`);
  const axis = channelAxis(layout, rank);
  const outer = values.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const channels = values.shape[axis]!;
  const inner = values.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(outer * inner);
  const src = values.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * channels * inner + i;
      let acc = reduction === 'max' ? -Infinity : 0;
      for (let c = 0; c < channels; c++) {
        const v = src[base + c * inner]!;
        switch (reduction) {
          case 'max':
            if (v > acc) acc = v;
            break;
          case 'abs-max':
            if (Math.abs(v) > acc) acc = Math.abs(v);
            break;
          case 'sum':
          case 'mean':
            acc += v;
            break;
          case 'l2':
            acc += v * v;
            break;
        }
      }
      if (reduction === 'mean') acc /= channels;
      if (reduction === 'l2') acc = Math.sqrt(acc);
      out[o * inner + i] = acc;
    }
  }
  const shape = values.shape.filter((_, d) => d !== axis);
  return { data: out, shape };
}

/**
 * A method's maps in the input's shape, `rows` of them, as an Attribution's `values` and `layout`:
 * reduced over channels to NHW when `reduction` is given, else in the model's layout. One place for
 * the rule every input-gradient method (gradient, modified backprop) follows.
 */
export function inputShapedMaps(
  data: Float32Array,
  rows: number,
  input: TensorData,
  layout: Layout,
  reduction: ChannelReduction | undefined,
): { values: TensorData; layout: ValuesLayout } {
  const values: TensorData = { data, shape: [rows, ...input.shape.slice(1)] };
  return reduction ? { values: reduceChannels(values, layout, reduction), layout: 'NHW' } : { values, layout: layout as ValuesLayout };
}
