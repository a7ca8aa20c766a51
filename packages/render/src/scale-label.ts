import type { ChannelReduction } from '@salience/core';
import type { DisplayScale, DisplaySign } from './display-map.js';
import { formatNumber } from './report-values.js';

/** A raw value as a short tick label: 3 significant digits, exponent for tiny or huge values, a real minus sign. */
export function formatTick(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return value === 0 ? '0' : String(value);
  const size = Math.abs(value);
  const text =
    size < 1e-3 || size >= 1e5
      ? value
          .toExponential(2)
          .replace(/\.?0+e/, 'e')
          .replace('e+', 'e')
      : String(Number(value.toPrecision(3)));
  return text.replaceAll('-', '−');
}

/**
 * What the colours of a map measure, in words: e.g. "attribution per pixel, summed over channels"
 * or "|attribution| per pixel". `channelReduction` is omitted for maps that had one channel.
 */
export function unitsLabel(sign: DisplaySign = 'absolute', channelReduction?: ChannelReduction): string {
  const what = sign === 'all' ? 'attribution' : sign === 'absolute' ? '|attribution|' : sign === 'positive' ? 'positive attribution' : 'size of negative attribution';
  const over =
    channelReduction === undefined
      ? ''
      : channelReduction === 'sum'
        ? ', summed over channels'
        : channelReduction === 'mean'
          ? ', averaged over channels'
          : channelReduction === 'max'
            ? ', largest channel'
            : channelReduction === 'abs-max'
              ? ', channel of largest size'
              : ', L2 norm over channels';
  return `${what} per pixel${over}`;
}

/**
 * The display scale in plain words, in the map's own units, for captions: e.g.
 * "full colour at 0.0123; the strongest pixels, 2% of the total, are capped there" or
 * "blue −0.5 … white 0 … red +0.5". Instead of "scaled to the 98% cumulative mass".
 */
export function scaleLabel(scale: DisplayScale): string {
  const high = formatTick(scale.high);
  if (scale.normalization === 'min-max') return `from ${formatTick(scale.low)} (lowest) to ${high} (highest)`;
  if (scale.normalization === 'none') return scale.signed ? 'raw values; full colour at ±1' : 'raw values; full colour at 1';
  const at = scale.signed ? `full colour at ±${high}, white at 0` : `full colour at ${high}`;
  if (scale.normalization === 'abs-max') return `${at}, the largest value`;
  const capped = scale.clippedShare > 0 ? `; the strongest ${formatNumber(scale.outlierPercent)}% of the total (${formatShare(scale.clippedShare)} of pixels) is capped there` : '';
  return `${at}${capped}`;
}

function formatShare(share: number): string {
  const percent = share * 100;
  return percent < 0.1 ? '<0.1%' : `${formatNumber(Number(percent.toPrecision(2)))}%`;
}
