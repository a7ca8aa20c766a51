import type { Attribution, TensorData } from '@salience/core';
import { type ColormapName, colorbarWithUnits, type DisplayScale, type DisplaySign, displayScales, heatmapImage, overlay, type RgbaImage, toDisplayMap } from '@salience/render';

/** 'auto': signed methods (IG, occlusion, gradient × input, SHAP...) with their sign, the others as magnitudes. */
export type SignChoice = DisplaySign | 'auto';
/** 'auto': blue-white-red for signed maps, inferno otherwise. */
export type ColormapChoice = ColormapName | 'auto';

/** What the display controls set; changing them redraws without running anything again. */
export interface DisplayControls {
  /** Weight of the heatmap over the input, in [0, 1]. */
  readonly opacity: number;
  readonly colormap: ColormapChoice;
  /** Share (%) of the largest scores clipped as outliers before scaling (Captum's outlier_perc). */
  readonly clipPercent: number;
  readonly sign: SignChoice;
}

export const DEFAULT_CONTROLS: DisplayControls = { opacity: 0.5, colormap: 'auto', clipPercent: 2, sign: 'auto' };

/** The sign and colormap a method is drawn with under these controls. */
export function resolveDisplay(controls: DisplayControls, signed: boolean): { sign: DisplaySign; colormap: ColormapName } {
  const sign = controls.sign === 'auto' ? (signed ? 'all' : 'absolute') : controls.sign;
  const colormap = controls.colormap === 'auto' ? (sign === 'all' ? 'blue-white-red' : 'inferno') : controls.colormap;
  return { sign, colormap };
}

export interface Pictures {
  /** The 2D map that is drawn, [H, W], in [0, 1] ([-1, 1] for sign 'all'). */
  readonly map: TensorData;
  /** What the map's range stands for in raw units: the colorbar's labels. */
  readonly scale: DisplayScale;
  readonly sign: DisplaySign;
  readonly colormap: ColormapName;
  readonly heatmap: RgbaImage;
  readonly overlay: RgbaImage;
  /** A vertical colorbar with ticks in the map's raw units, as tall as `barLength`. */
  readonly colorbar: RgbaImage;
}

function layoutOf(attribution: Attribution): 'NHWC' | 'NCHW' | 'NHW' {
  const layout = attribution.layout;
  if (layout !== 'NHWC' && layout !== 'NCHW' && layout !== 'NHW') {
    throw new RangeError(`The playground draws image maps; this attribution's layout is '${layout}'.`);
  }
  return layout;
}

/** The display map of the attribution's first map: channels summed, sign applied, outliers clipped, scaled. */
export function displayMapOf(attribution: Attribution, controls: DisplayControls, signed = false): TensorData {
  const { sign } = resolveDisplay(controls, signed);
  const [map] = toDisplayMap(attribution.values, { layout: layoutOf(attribution), sign, normalization: 'percentile', outlierPercent: controls.clipPercent });
  return map!;
}

/**
 * The heatmap and the overlay of one attribution on its input picture (both at the picture's size),
 * and a colorbar `barLength` pixels long labelled in raw units. Signed overlays grow opaque with
 * √|v|, so middling scores are not faint and neutral pixels keep the picture.
 */
export function picturesOf(attribution: Attribution, input: RgbaImage, controls: DisplayControls, signed = false, barLength = 160): Pictures {
  const { sign, colormap } = resolveDisplay(controls, signed);
  const display = { layout: layoutOf(attribution), sign, normalization: 'percentile' as const, outlierPercent: controls.clipPercent };
  const [map] = toDisplayMap(attribution.values, display);
  const [scale] = displayScales(attribution.values, display);
  const blend = sign === 'all' ? { opacityByValue: true, gamma: 0.5 } : {};
  return {
    map: map!,
    scale: scale!,
    sign,
    colormap,
    heatmap: heatmapImage(map!, colormap, { width: input.width, height: input.height }),
    overlay: overlay(input, map!, { opacity: controls.opacity, colormap, ...blend }),
    colorbar: colorbarWithUnits(scale!, { colormap, length: barLength }),
  };
}
