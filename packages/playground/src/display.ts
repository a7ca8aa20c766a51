import type { Attribution, TensorData } from '@salience/core';
import { type ColormapName, type DisplaySign, type RgbaImage, heatmapImage, overlay, toDisplayMap } from '@salience/render';

/** What the display controls set; changing them redraws without running anything again. */
export interface DisplayControls {
  /** Weight of the heatmap over the input, in [0, 1]. */
  readonly opacity: number;
  readonly colormap: ColormapName;
  /** Share (%) of the largest scores clipped as outliers before scaling (Captum's outlier_perc). */
  readonly clipPercent: number;
  readonly sign: DisplaySign;
}

export const DEFAULT_CONTROLS: DisplayControls = { opacity: 0.5, colormap: 'inferno', clipPercent: 2, sign: 'absolute' };

export interface Pictures {
  /** The 2D map that is drawn, [H, W], in [0, 1] ([-1, 1] for sign 'all'). */
  readonly map: TensorData;
  readonly heatmap: RgbaImage;
  readonly overlay: RgbaImage;
}

/** The display map of the attribution's first map: channels summed, sign applied, outliers clipped, scaled. */
export function displayMapOf(attribution: Attribution, controls: DisplayControls): TensorData {
  const layout = attribution.layout;
  if (layout !== 'NHWC' && layout !== 'NCHW' && layout !== 'NHW') {
    throw new RangeError(`The playground draws image maps; this attribution's layout is '${layout}'.`);
  }
  const [map] = toDisplayMap(attribution.values, { layout, sign: controls.sign, normalization: 'percentile', outlierPercent: controls.clipPercent });
  return map;
}

/** The heatmap and the overlay of one attribution on its input picture, both at the picture's size. */
export function picturesOf(attribution: Attribution, input: RgbaImage, controls: DisplayControls): Pictures {
  const map = displayMapOf(attribution, controls);
  return {
    map,
    heatmap: heatmapImage(map, controls.colormap, { width: input.width, height: input.height }),
    overlay: overlay(input, map, { opacity: controls.opacity, colormap: controls.colormap }),
  };
}
