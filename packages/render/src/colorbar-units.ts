import { OptionError } from '@salience/core';
import { type Colormap, type ColormapName, colormap } from './colormap.js';
import type { DisplayScale } from './display-map.js';
import { DEFAULT_DIVERGING_COLORMAP, DEFAULT_SEQUENTIAL_COLORMAP } from './heatmap.js';
import { createImage, type Rgba, type RgbaImage } from './image.js';
import { formatTick } from './scale-label.js';
import { drawLabel, measureLabel, type TextSize } from './typeface.js';

export interface UnitsColorbarOptions {
  /** Default blue-white-red for signed scales, inferno otherwise (a diverging map shows its upper half when unsigned). */
  readonly colormap?: ColormapName | Colormap;
  /** Pixels of the bar's long side; default 160. */
  readonly length?: number;
  /** Pixels of the bar's short side; default 12. */
  readonly thickness?: number;
  /** Default 'small'. */
  readonly textSize?: TextSize;
  /** Default opaque white. */
  readonly background?: Rgba;
  /** Default near-black. */
  readonly textColour?: Rgba;
}

/** The tick values of a scale, low to high: 0 in the middle of signed scales. */
export function colorbarTicks(scale: DisplayScale): number[] {
  const { low, high } = scale;
  if (scale.signed) return [-high, -high / 2, 0, high / 2, high];
  return [low, (low + high) / 2, high];
}

/**
 * A vertical colorbar labelled in the map's own units: the bar runs from the scale's low end
 * (bottom) to full colour (top), and ticks name the raw values there. A capped end reads
 * "≥ 0.0123" (or "≤ −0.0123"): stronger values show at full colour too.
 */
export function colorbarWithUnits(scale: DisplayScale, options: UnitsColorbarOptions = {}): RgbaImage {
  const { length = 160, thickness = 12, textSize = 'small', background = [255, 255, 255, 255], textColour = [30, 30, 30, 255] } = options;
  if (!Number.isInteger(length) || length < 8 || !Number.isInteger(thickness) || thickness < 2) {
    throw new OptionError(`Colorbar length must be an integer >= 8 and thickness >= 2; got ${length} and ${thickness}.`);
  }
  if (!(Number.isFinite(scale.low) && Number.isFinite(scale.high))) {
    throw new OptionError(`The scale's ends must be finite numbers; got ${scale.low} and ${scale.high}.`);
  }
  const cmap = colormap(options.colormap ?? (scale.signed ? DEFAULT_DIVERGING_COLORMAP : DEFAULT_SEQUENTIAL_COLORMAP));
  const ticks = colorbarTicks(scale);
  const capped = scale.clippedShare > 0;
  const labels = ticks.map((v, i) => {
    const text = formatTick(v);
    if (capped && i === ticks.length - 1) return `≥ ${text}`;
    if (capped && scale.signed && i === 0) return `≤ ${text}`;
    return text;
  });
  const line = measureLabel('0', textSize).height;
  const tickLength = 4;
  const labelGap = 3;
  const textWidth = Math.max(...labels.map((l) => measureLabel(l, textSize).width));
  const top = Math.ceil(line / 2);
  const width = thickness + tickLength + labelGap + textWidth + 2;
  const height = length + 2 * top;
  const out = createImage(width, height, background);
  // Display values along the bar: [-1, 1] for signed scales, [0, 1] otherwise (a diverging map's upper half).
  const lo = scale.signed ? -1 : 0;
  for (let k = 0; k < length; k++) {
    const t = lo + ((k + 0.5) / length) * (1 - lo);
    const i = cmap.index(cmap.kind === 'diverging' || !scale.signed ? t : (t + 1) / 2) * 3;
    const y = top + length - 1 - k;
    for (let x = 0; x < thickness; x++) {
      const o = (y * width + x) * 4;
      out.data[o] = cmap.lut[i]!;
      out.data[o + 1] = cmap.lut[i + 1]!;
      out.data[o + 2] = cmap.lut[i + 2]!;
      out.data[o + 3] = 255;
    }
  }
  ticks.forEach((_, i) => {
    const y = top + Math.round((1 - i / (ticks.length - 1)) * (length - 1));
    for (let x = thickness; x < thickness + tickLength; x++) {
      const o = (y * width + x) * 4;
      out.data.set(textColour, o);
    }
    drawLabel(out, labels[i]!, thickness + tickLength + labelGap, y - Math.floor(line / 2), textColour, textSize);
  });
  return out;
}
