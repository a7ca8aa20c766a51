import type { Attribution, TensorData } from '@salience/core';
import {
  DEFAULT_DIVERGING_COLORMAP,
  DEFAULT_SEQUENTIAL_COLORMAP,
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

/** The colour-mapped attribution of row `row` over `base`, as the report draws it. */
export function overlayImages(attribution: Attribution, display: ReportDisplay, bases: readonly (RgbaImage | undefined)[]): (RgbaImage | undefined)[] {
  const maps = toDisplayMap(attribution, {
    sign: display.sign ?? 'absolute',
    normalization: display.normalization ?? 'percentile',
    channelReduction: display.channelReduction ?? 'sum',
  });
  const colormap = display.colormap ?? (display.sign === 'all' ? DEFAULT_DIVERGING_COLORMAP : DEFAULT_SEQUENTIAL_COLORMAP);
  return maps.map((map, row) => {
    const base = bases[attribution.examples[row]];
    return base ? overlay(base, map, { colormap, opacity: display.opacity ?? 0.8, opacityByValue: display.opacityByValue ?? true }) : undefined;
  });
}

/**
 * A picture of each example of a raw tensor input, when it is an image (1, 3 or 4 channels).
 * Values already in [0, 1] or [0, 255] are shown as such, anything else stretched per example.
 */
export function tensorImages(tensor: TensorData, layout: string): (RgbaImage | undefined)[] {
  const rows = tensor.shape[0];
  if ((layout !== 'NCHW' && layout !== 'NHWC') || tensor.shape.length !== 4) return new Array(rows).fill(undefined);
  const channels = layout === 'NCHW' ? tensor.shape[1] : tensor.shape[3];
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

/** One sheet: a row per attribution row (example and target), the input then each method's overlay. */
export function overlayGrid(
  inputs: readonly (RgbaImage | undefined)[],
  rows: readonly { readonly example: number; readonly label: string }[],
  methods: readonly { readonly title: string; readonly overlays: readonly (RgbaImage | undefined)[] }[],
): RgbaImage | undefined {
  if (rows.length === 0 || inputs.every((i) => i === undefined)) return undefined;
  const cells = rows.map((row, r) => [cell(inputs[row.example]), ...methods.map((m) => cell(m.overlays[r]))]);
  return grid(cells, {
    gap: 4,
    labels: { rows: rows.map((r) => r.label), columns: ['input', ...methods.map((m) => m.title)] },
  });
}
