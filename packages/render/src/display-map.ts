import {
  type Attribution,
  type ChannelReduction,
  cumulativeThreshold,
  type Normalization,
  normalize,
  OptionError,
  reduceChannels,
  ShapeError,
  type TensorData,
} from '@salience/core';

/** The image layouts that can become 2D maps. */
export type DisplayLayout = 'NCHW' | 'NHWC' | 'NHW';

/**
 * Which part of the scores to show (Captum's `sign`):
 * - 'absolute': |v|, in [0, 1];
 * - 'positive': max(v, 0), in [0, 1];
 * - 'negative': max(-v, 0), the size of the negative part, in [0, 1];
 * - 'all': v with its sign, in [-1, 1] (use a diverging colormap).
 */
export type DisplaySign = 'absolute' | 'positive' | 'negative' | 'all';

export const DISPLAY_SIGNS: readonly DisplaySign[] = ['absolute', 'positive', 'negative', 'all'];

export interface DisplayMapOptions {
  /** Layout of the values; taken from the attribution when one is passed. */
  readonly layout?: DisplayLayout;
  /** How channels are combined before the sign is applied; default 'sum' (Captum's). Ignored for 'NHW'. */
  readonly channelReduction?: ChannelReduction;
  /** Default 'absolute' (Captum's `visualize_image_attr` default). */
  readonly sign?: DisplaySign;
  /** Default 'percentile' (Captum's outlier clipping); 'none' keeps the raw values. */
  readonly normalization?: Normalization | 'none';
  /** For 'percentile': the share of the total mass treated as outliers; default 2 (Captum's). */
  readonly outlierPercent?: number;
  /** Scale each map on its own (default), or all maps of the batch with one scale. */
  readonly perExample?: boolean;
}

type Source = TensorData | Pick<Attribution, 'values' | 'layout'>;

/**
 * Turns raw attribution values ([N,C,H,W], [N,H,W,C] or [N,H,W]) into one 2D map [H, W] per row,
 * following Captum's `visualize_image_attr`: reduce channels, apply the sign, then normalise.
 * Values end in [0, 1], or [-1, 1] for sign 'all' (min-max always gives [0, 1]).
 */
export function toDisplayMap(source: Source, options: DisplayMapOptions = {}): TensorData[] {
  const values = 'values' in source ? source.values : source;
  const layout = options.layout ?? ('layout' in source ? source.layout : undefined);
  const { channelReduction = 'sum', sign = 'absolute', normalization = 'percentile', outlierPercent = 2, perExample = true } = options;
  const maps = signedMaps(values, layout, channelReduction, sign, outlierPercent);
  const scaled = normalization === 'none' ? maps : normalize(maps, { method: normalization, outlierPercent, perExample });
  const [rows, height, width] = scaled.shape as [number, number, number];
  const out: TensorData[] = [];
  for (let r = 0; r < rows; r++) {
    out.push({ data: scaled.data.slice(r * height * width, (r + 1) * height * width), shape: [height, width] });
  }
  return out;
}

/**
 * What the display range of `toDisplayMap` stands for in the map's own units (the attribution
 * after channel reduction and sign), one per row: the raw value at full colour, and at the low end.
 * Use it to label a colorbar with raw values (`colorbarWithUnits`, `scaleLabel`).
 */
export interface DisplayScale {
  /** Raw value at the low end of the display range: display 0, or -1 for sign 'all'. */
  readonly low: number;
  /** Raw value at full colour: display 1. */
  readonly high: number;
  /** Sign 'all': the range is [-high, high] around 0 (draw it with a diverging colormap). */
  readonly signed: boolean;
  readonly sign: DisplaySign;
  readonly normalization: Normalization | 'none';
  readonly outlierPercent: number;
  /** Share of the map's pixels beyond the range, drawn at full colour (0 when nothing is capped). */
  readonly clippedShare: number;
}

/** The raw values behind `toDisplayMap(source, options)`'s display range, one `DisplayScale` per row. */
export function displayScales(source: Source, options: DisplayMapOptions = {}): DisplayScale[] {
  const values = 'values' in source ? source.values : source;
  const layout = options.layout ?? ('layout' in source ? source.layout : undefined);
  const { channelReduction = 'sum', sign = 'absolute', normalization = 'percentile', outlierPercent = 2, perExample = true } = options;
  const maps = signedMaps(values, layout, channelReduction, sign, outlierPercent);
  const [rows, height, width] = maps.shape as [number, number, number];
  const size = height * width;
  const spans = perExample ? Array.from({ length: rows }, (_, r) => maps.data.subarray(r * size, (r + 1) * size)) : [maps.data];
  const ranges = spans.map((span) => rangeOf(span, normalization, outlierPercent));
  const signed = sign === 'all' && normalization !== 'min-max';
  return Array.from({ length: rows }, (_, r) => {
    const [low, high] = ranges[perExample ? r : 0]!;
    const map = maps.data.subarray(r * size, (r + 1) * size);
    let clipped = 0;
    if (normalization !== 'min-max') for (const v of map) if ((signed ? Math.abs(v) : v) > high * (1 + 1e-6)) clipped++;
    return { low: signed ? -high : low, high, signed, sign, normalization, outlierPercent, clippedShare: map.length ? clipped / map.length : 0 };
  });
}

/** [low, high] raw values of the display range of one map (or the whole batch). */
function rangeOf(map: Float32Array, normalization: Normalization | 'none', outlierPercent: number): [number, number] {
  switch (normalization) {
    case 'percentile':
      return [0, cumulativeThreshold(map, 100 - outlierPercent)];
    case 'abs-max': {
      let hi = 0;
      for (const v of map) hi = Math.max(hi, Math.abs(v));
      return [0, hi];
    }
    case 'min-max': {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of map) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      return map.length ? [lo, hi] : [0, 0];
    }
    default:
      return [0, 1];
  }
}

/** Checked options, then [N, H, W] maps after channel reduction and sign. */
function signedMaps(values: TensorData, layout: string | undefined, reduction: ChannelReduction, sign: DisplaySign, outlierPercent: number): TensorData {
  if (!DISPLAY_SIGNS.includes(sign)) {
    throw new OptionError(`Unknown sign '${sign as string}'; use one of ${DISPLAY_SIGNS.join(', ')}.`);
  }
  if (!(outlierPercent >= 0 && outlierPercent < 100)) {
    throw new OptionError(`outlierPercent must be in [0, 100); got ${outlierPercent}.`);
  }
  if (!values?.data || !values.shape) throw new ShapeError('toDisplayMap needs attribution values {data, shape}.');
  const maps = spatialMaps(values, layout, reduction);
  applySign(maps.data, sign);
  return maps;
}

/** [N, H, W], always a fresh array (the sign is applied in place next). */
function spatialMaps(values: TensorData, layout: string | undefined, reduction: ChannelReduction): TensorData {
  switch (layout) {
    case 'NCHW':
    case 'NHWC':
      if (values.shape.length !== 4) {
        throw new ShapeError(`Values in layout '${layout}' need 4 dimensions; got shape [${values.shape.join(', ')}].`);
      }
      return reduceChannels(values, layout, reduction);
    case 'NHW':
      if (values.shape.length !== 3) {
        throw new ShapeError(`Values in layout 'NHW' need 3 dimensions; got shape [${values.shape.join(', ')}].`);
      }
      return { data: new Float32Array(values.data), shape: [...values.shape] };
    case undefined:
      throw new OptionError("toDisplayMap needs a layout: pass options.layout ('NCHW', 'NHWC' or 'NHW') or an Attribution.");
    default:
      throw new OptionError(`Layout '${layout}' has no image to draw; toDisplayMap takes 'NCHW', 'NHWC' or 'NHW'. For token scores use tokensToHtml or tokensToAnsi.`);
  }
}

function applySign(data: Float32Array, sign: DisplaySign): void {
  switch (sign) {
    case 'absolute':
      for (let i = 0; i < data.length; i++) data[i] = Math.abs(data[i]!);
      break;
    case 'positive':
      for (let i = 0; i < data.length; i++) data[i] = Math.max(data[i]!, 0);
      break;
    case 'negative':
      for (let i = 0; i < data.length; i++) data[i] = Math.max(-data[i]!, 0);
      break;
    case 'all':
      break;
  }
}
