import {
  type Attribution,
  type ChannelReduction,
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
  const {
    channelReduction = 'sum',
    sign = 'absolute',
    normalization = 'percentile',
    outlierPercent = 2,
    perExample = true,
  } = options;
  if (!DISPLAY_SIGNS.includes(sign)) {
    throw new OptionError(`Unknown sign '${sign as string}'; use one of ${DISPLAY_SIGNS.join(', ')}.`);
  }
  if (!(outlierPercent >= 0 && outlierPercent < 100)) {
    throw new OptionError(`outlierPercent must be in [0, 100); got ${outlierPercent}.`);
  }
  if (!values?.data || !values.shape) throw new ShapeError('toDisplayMap needs attribution values {data, shape}.');
  const maps = spatialMaps(values, layout, channelReduction);
  applySign(maps.data, sign);
  const scaled =
    normalization === 'none' ? maps : normalize(maps, { method: normalization, outlierPercent, perExample });
  const [rows, height, width] = scaled.shape;
  const out: TensorData[] = [];
  for (let r = 0; r < rows; r++) {
    out.push({ data: scaled.data.slice(r * height * width, (r + 1) * height * width), shape: [height, width] });
  }
  return out;
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
      throw new OptionError(
        `Layout '${layout}' has no image to draw; toDisplayMap takes 'NCHW', 'NHWC' or 'NHW'. For token scores use tokensToHtml or tokensToAnsi.`,
      );
  }
}

function applySign(data: Float32Array, sign: DisplaySign): void {
  switch (sign) {
    case 'absolute':
      for (let i = 0; i < data.length; i++) data[i] = Math.abs(data[i]);
      break;
    case 'positive':
      for (let i = 0; i < data.length; i++) data[i] = Math.max(data[i], 0);
      break;
    case 'negative':
      for (let i = 0; i < data.length; i++) data[i] = Math.max(-data[i], 0);
      break;
    case 'all':
      break;
  }
}
