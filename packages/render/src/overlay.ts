import { OptionError, type TensorData } from '@salience/core';
import { type Colormap, type ColormapName, colormap } from './colormap.js';
import { DEFAULT_SEQUENTIAL_COLORMAP, fitMap } from './heatmap.js';
import { assertImage, type RgbaImage } from './image.js';
import type { ResizeMode } from './resize.js';

export interface OverlayOptions {
  /** Weight of the heatmap colour in [0, 1]; default 0.5. */
  readonly opacity?: number;
  readonly colormap?: ColormapName | Colormap;
  /** Pixels whose magnitude (|v|, in [0, 1]) is below this keep the base image untouched. */
  readonly threshold?: number;
  /** Scale the opacity by each pixel's magnitude, so weak scores let the image show through. */
  readonly opacityByValue?: boolean;
  /**
   * With `opacityByValue`: a = opacity * magnitude^gamma. Default 1; below 1 lets middling scores
   * show clearly while 0 stays transparent (0.5 suits signed maps, whose diverging colours are
   * pale near 0 and look faint at linear opacity).
   */
  readonly gamma?: number;
  /** Draw the base in grayscale (the mean of R, G, B, as Captum's blended heat map does). */
  readonly grayscale?: boolean;
  /** How the map is resized to the image; default 'bilinear'. */
  readonly resize?: ResizeMode;
}

/**
 * Alpha-blends a colour-mapped 2D map over `base`: out = base * (1 - a) + colour * a, rounded,
 * with a = opacity (times |v|^gamma with `opacityByValue`). The base's alpha channel is kept.
 */
export function overlay(base: RgbaImage, map: TensorData, options: OverlayOptions = {}): RgbaImage {
  assertImage(base, 'Overlay base');
  const { opacity = 0.5, threshold = 0, opacityByValue = false, grayscale = false, gamma = 1 } = options;
  if (!(gamma > 0)) throw new OptionError(`gamma must be positive; got ${gamma}.`);
  if (!(opacity >= 0 && opacity <= 1)) throw new OptionError(`opacity must be in [0, 1]; got ${opacity}.`);
  if (!(threshold >= 0)) throw new OptionError(`threshold must be a magnitude >= 0; got ${threshold}.`);
  const cmap = colormap(options.colormap ?? DEFAULT_SEQUENTIAL_COLORMAP);
  const values = fitMap(map, base.width, base.height, options.resize).data;
  const { lut } = cmap;
  const src = base.data;
  const out = new Uint8ClampedArray(src.length);
  for (let p = 0; p < values.length; p++) {
    const v = values[p]!;
    const magnitude = Number.isNaN(v) ? 0 : Math.min(1, cmap.kind === 'diverging' ? Math.abs(v) : Math.max(0, v));
    const alpha = magnitude < threshold ? 0 : opacityByValue ? opacity * (gamma === 1 ? magnitude : magnitude ** gamma) : opacity;
    const o = p * 4;
    let r = src[o]!;
    let g = src[o + 1]!;
    let b = src[o + 2]!;
    if (grayscale) r = g = b = (r + g + b) / 3;
    const l = cmap.index(v) * 3;
    out[o] = Math.round(r * (1 - alpha) + lut[l]! * alpha);
    out[o + 1] = Math.round(g * (1 - alpha) + lut[l + 1]! * alpha);
    out[o + 2] = Math.round(b * (1 - alpha) + lut[l + 2]! * alpha);
    out[o + 3] = src[o + 3]!;
  }
  return { width: base.width, height: base.height, data: out };
}
