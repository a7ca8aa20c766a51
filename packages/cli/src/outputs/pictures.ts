import type { Attribution, TensorData } from '@salience/core';
import {
  colorbarWithUnits,
  createImage,
  DEFAULT_DIVERGING_COLORMAP,
  DEFAULT_SEQUENTIAL_COLORMAP,
  type DisplayMapOptions,
  displayScales,
  drawImage,
  grid,
  inputToImage,
  overlay,
  type ReportDisplay,
  type RgbaImage,
  resizeImage,
  toDisplayMap,
} from '@salience/render';

/** Overlays are drawn at least this many pixels on their longer side (28x28 inputs are upscaled 8x). */
const OVERLAY_SIDE = 224;

/** The image at a size where the pixels of a small input can be seen: an integer, nearest-neighbour upscale. */
export function enlarge(image: RgbaImage): RgbaImage {
  const factor = Math.max(1, Math.floor(OVERLAY_SIDE / Math.max(image.width, image.height)));
  return factor === 1 ? image : resizeImage(image, image.width * factor, image.height * factor, 'nearest');
}

/** How a method's scores become a map, as the report draws them. */
export function displayOptions(display: ReportDisplay): DisplayMapOptions {
  return { sign: display.sign ?? 'absolute', normalization: display.normalization ?? 'percentile', channelReduction: display.channelReduction ?? 'sum' };
}

export function displayColormap(display: ReportDisplay) {
  return display.colormap ?? (display.sign === 'all' ? DEFAULT_DIVERGING_COLORMAP : DEFAULT_SEQUENTIAL_COLORMAP);
}

/**
 * The colour-mapped attribution of each row over its example's `base`, as the report draws it.
 * Signed maps take opacity from |v|^0.5, so that middling scores are not faint.
 */
export function overlayImages(attribution: Attribution, display: ReportDisplay, bases: readonly (RgbaImage | undefined)[]): (RgbaImage | undefined)[] {
  const maps = toDisplayMap(attribution, displayOptions(display));
  const colormap = displayColormap(display);
  const gamma = display.sign === 'all' ? 0.5 : 1;
  return maps.map((map, row) => {
    const base = bases[attribution.examples[row]!];
    return base ? overlay(base, map, { colormap, opacity: display.opacity ?? 0.8, opacityByValue: display.opacityByValue ?? true, gamma }) : undefined;
  });
}

/**
 * The grid's cell of each overlay: shrunk to the grid's size, with its colorbar in the map's raw
 * units at its right (each row has its own scale, so each cell carries its own legend).
 */
export function legendCells(attribution: Attribution, display: ReportDisplay, overlays: readonly (RgbaImage | undefined)[]): (RgbaImage | undefined)[] {
  const scales = displayScales(attribution, displayOptions(display));
  const colormap = displayColormap(display);
  return overlays.map((image, row) => {
    const small = cell(image);
    if (!small) return undefined;
    const bar = colorbarWithUnits(scales[row]!, { colormap, length: Math.max(8, small.height - 12), thickness: 8 });
    const out = createImage(small.width + 3 + bar.width, Math.max(small.height, bar.height), [255, 255, 255, 255]);
    drawImage(out, small, 0, 0);
    // The bar's end labels overhang its ends by half a line: it starts a little below the top.
    drawImage(out, bar, small.width + 3, 0);
    return out;
  });
}

/**
 * A picture of each example of a raw tensor input, when it is an image (1, 3 or 4 channels).
 * Values already in [0, 1] or [0, 255] are shown as such, anything else stretched per example.
 */
export function tensorImages(tensor: TensorData, layout: string): (RgbaImage | undefined)[] {
  const rows = tensor.shape[0]!;
  if ((layout !== 'NCHW' && layout !== 'NHWC') || tensor.shape.length !== 4) return new Array(rows).fill(undefined);
  const channels = (layout === 'NCHW' ? tensor.shape[1] : tensor.shape[3])!;
  if (![1, 3, 4].includes(channels)) return new Array(rows).fill(undefined);
  const size = tensor.data.length / rows;
  return Array.from({ length: rows }, (_, example) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of tensor.data.subarray(example * size, (example + 1) * size)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    // A constant example gets a window around its value, wide enough to exist at its magnitude (1e38 + 1 is 1e38).
    const half = Math.max(1, Math.abs(lo) * 1e-6);
    const range: [number, number] = lo >= 0 && hi <= 1 ? [0, 1] : lo >= 0 && hi <= 255 ? [0, 255] : hi > lo ? [lo, hi] : [lo - half, lo + half];
    return inputToImage(tensor, layout, { example, range });
  });
}

/** Grid cells are at most this many pixels on their longer side, so that a dozen rows stay a small PNG. */
const GRID_SIDE = 112;

function cell(image: RgbaImage | undefined): RgbaImage | undefined {
  if (!image) return undefined;
  const factor = Math.ceil(Math.max(image.width, image.height) / GRID_SIDE);
  return factor <= 1 ? image : resizeImage(image, Math.round(image.width / factor), Math.round(image.height / factor), 'bilinear');
}

/**
 * One sheet: a row per attribution row (example and target), the input then each method's cell
 * (from `legendCells`: an overlay with its colorbar, already at the grid's size).
 */
export function overlayGrid(
  inputs: readonly (RgbaImage | undefined)[],
  rows: readonly { readonly example: number; readonly label: string }[],
  methods: readonly { readonly title: string; readonly overlays: readonly (RgbaImage | undefined)[] }[],
): RgbaImage | undefined {
  if (rows.length === 0 || inputs.every((i) => i === undefined)) return undefined;
  const cells = rows.map((row, r) => [cell(inputs[row.example]), ...methods.map((m) => m.overlays[r])]);
  return grid(cells, {
    gap: 4,
    labels: { rows: rows.map((r) => r.label), columns: ['input', ...methods.map((m) => m.title)] },
  });
}
