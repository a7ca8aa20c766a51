import { OptionError } from '@salience/core';
import { type Colormap, type ColormapName, colormap, rgbToHex } from './colormap.js';
import type { RgbaImage } from './image.js';

export interface ColorbarOptions {
  /** Default 256 x 12 (horizontal) or 12 x 256 (vertical). */
  readonly width?: number;
  readonly height?: number;
  /** 'horizontal' (low end on the left, default) or 'vertical' (low end at the bottom). */
  readonly orientation?: 'horizontal' | 'vertical';
}

/** An image of the colormap from the low end of its domain to the high end. */
export function colorbarImage(colours: ColormapName | Colormap, options: ColorbarOptions = {}): RgbaImage {
  const cmap = colormap(colours);
  const vertical = options.orientation === 'vertical';
  const width = options.width ?? (vertical ? 12 : 256);
  const height = options.height ?? (vertical ? 256 : 12);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new OptionError(`Colorbar size must be positive integers; got ${width} x ${height}.`);
  }
  const [lo, hi] = cmap.domain;
  const data = new Uint8ClampedArray(width * height * 4);
  const length = vertical ? height : width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = vertical ? height - 1 - y : x;
      const value = lo + ((k + 0.5) / length) * (hi - lo);
      const i = cmap.index(value) * 3;
      const o = (y * width + x) * 4;
      data[o] = cmap.lut[i]!;
      data[o + 1] = cmap.lut[i + 1]!;
      data[o + 2] = cmap.lut[i + 2]!;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

/** A CSS `linear-gradient(...)` of the colormap, low end on the left, with `stops` colour stops. */
export function cssGradient(colours: ColormapName | Colormap, stops = 17, direction = 'to right'): string {
  const cmap = colormap(colours);
  if (!Number.isInteger(stops) || stops < 2) throw new OptionError(`A gradient needs at least 2 stops; got ${stops}.`);
  const [lo, hi] = cmap.domain;
  const parts: string[] = [];
  for (let s = 0; s < stops; s++) {
    const t = s / (stops - 1);
    parts.push(`${rgbToHex(cmap(lo + t * (hi - lo)))} ${(t * 100).toFixed(1).replace(/\.0$/, '')}%`);
  }
  return `linear-gradient(${direction}, ${parts.join(', ')})`;
}
