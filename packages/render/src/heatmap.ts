import type { TensorData } from '@salience/core';
import { type Colormap, type ColormapName, colormap } from './colormap.js';
import type { RgbaImage } from './image.js';
import { mapSize } from './map2d.js';
import { type ResizeMode, resizeMap } from './resize.js';

export interface HeatmapOptions {
  /** Output size; default the map's own. */
  readonly width?: number;
  readonly height?: number;
  /** How the map is resized when the size differs; default 'bilinear'. */
  readonly resize?: ResizeMode;
}

/** The default colormap: sequential maps read best on inferno, signed ones need a diverging map. */
export const DEFAULT_SEQUENTIAL_COLORMAP: ColormapName = 'inferno';
export const DEFAULT_DIVERGING_COLORMAP: ColormapName = 'blue-white-red';

/**
 * An opaque image of a 2D map ([H, W] in the colormap's domain: [0, 1], or [-1, 1] for diverging
 * maps; values outside are clamped).
 */
export function heatmapImage(map: TensorData, colours: ColormapName | Colormap = DEFAULT_SEQUENTIAL_COLORMAP, options: HeatmapOptions = {}): RgbaImage {
  const cmap = colormap(colours);
  const sized = fitMap(map, options.width, options.height, options.resize);
  const { height, width } = mapSize(sized);
  const data = new Uint8ClampedArray(width * height * 4);
  const { lut } = cmap;
  for (let p = 0; p < width * height; p++) {
    const i = cmap.index(sized.data[p]!) * 3;
    data[p * 4] = lut[i]!;
    data[p * 4 + 1] = lut[i + 1]!;
    data[p * 4 + 2] = lut[i + 2]!;
    data[p * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** `map` at width x height, resized only when needed. */
export function fitMap(map: TensorData, width?: number, height?: number, mode: ResizeMode = 'bilinear'): TensorData {
  const size = mapSize(map);
  const w = width ?? size.width;
  const h = height ?? size.height;
  return w === size.width && h === size.height ? map : resizeMap(map, w, h, mode);
}
