import { type Attribution, OptionError, type TensorData } from '@salience/core';
import { colorbarWithUnits } from './colorbar-units.js';
import { type Colormap, type ColormapName, colormap } from './colormap.js';
import { type DisplayMapOptions, type DisplayScale, displayScales, toDisplayMap } from './display-map.js';
import { drawImage } from './draw-image.js';
import { DEFAULT_DIVERGING_COLORMAP, DEFAULT_SEQUENTIAL_COLORMAP, fitMap, heatmapImage } from './heatmap.js';
import { assertImage, createImage, type Rgba, type RgbaImage } from './image.js';
import { overlay } from './overlay.js';
import { resizeImage } from './resize.js';
import { scaleLabel, unitsLabel } from './scale-label.js';
import { drawLabel, fitLabel, measureLabel } from './typeface.js';

export interface FigureInput {
  /** The input as the model saw it (after resizing and cropping). */
  readonly image: RgbaImage;
  /** One display map [H, W] from `toDisplayMap`; resized to the image. */
  readonly map: TensorData;
  /** What the map's display range stands for, from `displayScales`: labels the colorbar. */
  readonly scale: DisplayScale;
  /** The title line: method, target class and probability (see `figureTitle`). */
  readonly title?: string;
  /** The line under the title; default `scaleLabel(scale)`, the scale in plain words. */
  readonly subtitle?: string;
  /** What the colours measure, shown under the panels; default `unitsLabel(scale.sign)`. */
  readonly units?: string;
  /** Default blue-white-red for signed scales, inferno otherwise. */
  readonly colormap?: ColormapName | Colormap;
  /** Pixels of each panel's longer side; default 224. Small inputs are enlarged with crisp pixels. */
  readonly panelSize?: number;
  /** Blend: peak opacity of the colours; default 0.9 for signed scales, 0.75 otherwise. */
  readonly opacity?: number;
  /** Blend: opacity grows as |v|^gamma; default 0.5 for signed scales (not faint), 1 otherwise. */
  readonly gamma?: number;
  /** Blend over the input in gray, as Captum's blended heat map does; default true. */
  readonly grayscale?: boolean;
  /** Captions of the three panels; default 'original', 'heat map', 'blended'. */
  readonly panelTitles?: readonly [string, string, string];
  /** Default opaque white. */
  readonly background?: Rgba;
}

const MARGIN = 10;
const GAP = 10;
const TEXT: Rgba = [30, 30, 30, 255];
const MUTED: Rgba = [95, 95, 95, 255];

/**
 * The figure people know from Captum's `visualize_image_attr_multiple`, as one image:
 * a title line, then `original | heat map | blended` with a colorbar in the map's own units, each
 * panel captioned, and a line saying what the colours measure.
 */
export function figure(input: FigureInput): RgbaImage {
  const { image, map, scale } = input;
  assertImage(image, 'Figure image');
  const panelSize = input.panelSize ?? 224;
  if (!Number.isInteger(panelSize) || panelSize < 16) throw new OptionError(`panelSize must be an integer >= 16; got ${panelSize}.`);
  const cmap = colormap(input.colormap ?? (scale.signed ? DEFAULT_DIVERGING_COLORMAP : DEFAULT_SEQUENTIAL_COLORMAP));
  const background = input.background ?? [255, 255, 255, 255];
  const sized = fitMap(map, image.width, image.height);
  const heat = heatmapImage(sized, cmap);
  const blended = overlay(image, sized, {
    colormap: cmap,
    opacity: input.opacity ?? (scale.signed ? 0.9 : 0.75),
    opacityByValue: true,
    gamma: input.gamma ?? (scale.signed ? 0.5 : 1),
    grayscale: input.grayscale ?? true,
  });
  const factor = panelSize / Math.max(image.width, image.height, 1);
  const pw = Math.max(1, Math.round(image.width * factor));
  const ph = Math.max(1, Math.round(image.height * factor));
  const mode = factor >= 2 ? 'nearest' : 'bilinear';
  const panels = [image, heat, blended].map((p) => (p.width === pw && p.height === ph ? p : resizeImage(p, pw, ph, mode)));
  const bar = colorbarWithUnits(scale, { colormap: cmap, length: Math.max(8, ph), background });

  const titles = input.panelTitles ?? ['original', 'heat map', 'blended'];
  const title = input.title ?? '';
  const subtitle = input.subtitle ?? scaleLabel(scale);
  const units = input.units ?? unitsLabel(scale.sign);
  const large = measureLabel('0', 'large').height;
  const small = measureLabel('0', 'small').height;
  const rowWidth = 3 * pw + 3 * GAP + bar.width;
  const width = MARGIN * 2 + Math.max(rowWidth, Math.min(measureLabel(title, 'large').width, 900));
  const inner = width - 2 * MARGIN;
  const header = (title ? large : 0) + (subtitle ? small + 2 : 0);
  const panelsTop = MARGIN + header + (header > 0 ? 6 : 0);
  const height = panelsTop + ph + 4 + small + (units ? small + 2 : 0) + MARGIN;
  const out = createImage(width, height, background);

  let y = MARGIN;
  if (title) {
    drawLabel(out, fitLabel(title, inner, 'large'), MARGIN, y, TEXT, 'large');
    y += large;
  }
  if (subtitle) drawLabel(out, fitLabel(subtitle, inner, 'small'), MARGIN, y + 2, MUTED, 'small');
  let x = MARGIN;
  panels.forEach((panel, i) => {
    drawImage(out, panel, x, panelsTop);
    const caption = fitLabel(titles[i]!, pw, 'small');
    drawLabel(out, caption, x + Math.floor((pw - measureLabel(caption).width) / 2), panelsTop + ph + 4, TEXT, 'small');
    x += pw + GAP;
  });
  // The bar's ends line up with the panels' top and bottom edges; its end labels overhang by half a line.
  drawImage(out, bar, x, panelsTop - Math.ceil(small / 2));
  if (units) drawLabel(out, fitLabel(`colours: ${units}`, inner, 'small'), MARGIN, panelsTop + ph + 4 + small + 2, MUTED, 'small');
  return out;
}

/** The title line of a figure: "Integrated gradients · Coat (class 4) · p = 0.913". */
export function figureTitle(parts: { readonly method: string; readonly target?: number; readonly className?: string; readonly probability?: number }): string {
  const pieces = [parts.method];
  if (parts.className !== undefined && parts.target !== undefined) pieces.push(`${parts.className} (class ${parts.target})`);
  else if (parts.className !== undefined) pieces.push(parts.className);
  else if (parts.target !== undefined) pieces.push(`class ${parts.target}`);
  if (parts.probability !== undefined && Number.isFinite(parts.probability)) pieces.push(`p = ${formatProbability(parts.probability)}`);
  return pieces.join(' · ');
}

function formatProbability(p: number): string {
  if (p >= 0.9995 && p < 1) return '> 0.999';
  if (p > 0 && p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

export interface AttributionFigureOptions {
  /** The input of that row as the model saw it (see `inputToImage`). */
  readonly image: RgbaImage;
  /** The attribution row to draw; default 0. */
  readonly row?: number;
  /** How scores become a map (`toDisplayMap`'s options); default Captum's: |sum over channels|, 2% capped. */
  readonly display?: DisplayMapOptions;
  /** Name in the title; default `attribution.method`. */
  readonly method?: string;
  /** Name of the row's target class. */
  readonly className?: string;
  /** The model's probability of the row's target. */
  readonly probability?: number;
  readonly colormap?: ColormapName | Colormap;
  readonly panelSize?: number;
}

/**
 * `figure` for one row of an attribution: its display map, its scale in raw units and a title
 * with the method, the row's target class and its probability.
 */
export function attributionFigure(attribution: Attribution, options: AttributionFigureOptions): RgbaImage {
  const row = options.row ?? 0;
  const rows = attribution.values.shape[0] ?? 0;
  if (!Number.isInteger(row) || row < 0 || row >= rows) throw new OptionError(`row must be an integer in [0, ${rows}); got ${row}.`);
  const display = options.display ?? {};
  const map = toDisplayMap(attribution, display)[row];
  const scale = displayScales(attribution, display)[row]!;
  const channels = (attribution.layout === 'NCHW' ? attribution.values.shape[1] : attribution.layout === 'NHWC' ? attribution.values.shape[3] : 1)!;
  return figure({
    image: options.image,
    map: map!,
    scale: scale!,
    title: figureTitle({ method: options.method ?? attribution.method, target: attribution.targets?.[row], className: options.className, probability: options.probability }),
    units: unitsLabel(scale.sign, channels > 1 ? (display.channelReduction ?? 'sum') : undefined),
    ...(options.colormap ? { colormap: options.colormap } : {}),
    ...(options.panelSize ? { panelSize: options.panelSize } : {}),
  });
}
