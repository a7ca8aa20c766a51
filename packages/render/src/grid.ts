import { OptionError, ShapeError } from '@salience/core';
import { GLYPH_ADVANCE, drawText, measureText } from './font.js';
import { assertImage, createImage, type Rgba, type RgbaImage } from './image.js';

export interface GridLabels {
  /** Drawn left of each row (e.g. the examples). */
  readonly rows?: readonly string[];
  /** Drawn above each column (e.g. the methods); cut to the column's width. */
  readonly columns?: readonly string[];
}

export interface GridOptions {
  /** Pixels between cells and around the edge; default 4. */
  readonly gap?: number;
  /** Default opaque white. */
  readonly background?: Rgba;
  /** Labels drawn with the built-in 5 x 8 ASCII bitmap font. */
  readonly labels?: GridLabels;
  /** Default near-black. */
  readonly labelColour?: Rgba;
  /** Integer scale of the label font; default 1. */
  readonly fontScale?: number;
}

/**
 * Composes rows of images (e.g. methods x examples) into one image. Each column is as wide as its
 * widest image and each row as tall as its tallest; images are centred in their cells and drawn
 * over the background (source-over). `null` leaves a cell empty.
 */
export function grid(rows: readonly (readonly (RgbaImage | null | undefined)[])[], options: GridOptions = {}): RgbaImage {
  const { gap = 4, background = [255, 255, 255, 255], labelColour = [30, 30, 30, 255], fontScale = 1, labels = {} } = options;
  if (!Number.isInteger(gap) || gap < 0) throw new OptionError(`gap must be a non-negative integer; got ${gap}.`);
  const columns = Math.max(0, ...rows.map((r) => r.length));
  if (rows.length === 0 || columns === 0) throw new ShapeError('grid needs at least one row with one image.');
  rows.forEach((r, i) => {
    r.forEach((image, j) => {
      if (image) assertImage(image, `Grid cell [${i}][${j}]`);
    });
  });
  if (labels.rows && labels.rows.length !== rows.length) {
    throw new OptionError(`Got ${labels.rows.length} row labels for ${rows.length} rows.`);
  }
  if (labels.columns && labels.columns.length !== columns) {
    throw new OptionError(`Got ${labels.columns.length} column labels for ${columns} columns.`);
  }

  const widths = Array.from({ length: columns }, (_, j) => Math.max(0, ...rows.map((r) => r[j]?.width ?? 0)));
  const heights = rows.map((r) => Math.max(0, ...r.map((image) => image?.height ?? 0)));
  const text = measureText('', fontScale).height;
  const labelWidth = labels.rows ? Math.max(0, ...labels.rows.map((l) => measureText(l, fontScale).width)) + gap : 0;
  const headerHeight = labels.columns ? text + gap : 0;

  const width = gap + labelWidth + widths.reduce((a, w) => a + w + gap, 0);
  const height = gap + headerHeight + heights.reduce((a, h) => a + h + gap, 0);
  const out = createImage(width, height, background);

  const columnX: number[] = [];
  let x = gap + labelWidth;
  for (const w of widths) {
    columnX.push(x);
    x += w + gap;
  }
  labels.columns?.forEach((label, j) => {
    const fitted = fitLabel(label, widths[j], fontScale);
    const w = measureText(fitted, fontScale).width;
    drawText(out, fitted, columnX[j] + Math.floor((widths[j] - w) / 2), gap, labelColour, fontScale);
  });
  let y = gap + headerHeight;
  rows.forEach((row, i) => {
    if (labels.rows) drawText(out, labels.rows[i], gap, y + Math.floor((heights[i] - text) / 2), labelColour, fontScale);
    row.forEach((image, j) => {
      if (!image) return;
      const dx = columnX[j] + Math.floor((widths[j] - image.width) / 2);
      const dy = y + Math.floor((heights[i] - image.height) / 2);
      drawOver(out, image, dx, dy);
    });
    y += heights[i] + gap;
  });
  return out;
}

/** `label` cut (ending in '..') so that it fits `width` pixels. */
function fitLabel(label: string, width: number, scale: number): string {
  const chars = [...label];
  const fits = Math.floor((width / scale + 1) / GLYPH_ADVANCE);
  if (chars.length <= fits) return label;
  return fits <= 2 ? chars.slice(0, Math.max(0, fits)).join('') : `${chars.slice(0, fits - 2).join('')}..`;
}

/** Source-over compositing of `image` onto `target` at (x, y). */
function drawOver(target: RgbaImage, image: RgbaImage, x: number, y: number): void {
  const src = image.data;
  const dst = target.data;
  for (let r = 0; r < image.height; r++) {
    for (let c = 0; c < image.width; c++) {
      const s = (r * image.width + c) * 4;
      const d = ((y + r) * target.width + x + c) * 4;
      const a = src[s + 3] / 255;
      if (a === 1) {
        dst[d] = src[s];
        dst[d + 1] = src[s + 1];
        dst[d + 2] = src[s + 2];
        dst[d + 3] = 255;
        continue;
      }
      const under = dst[d + 3] / 255;
      const outA = a + under * (1 - a);
      if (outA === 0) continue;
      for (let k = 0; k < 3; k++) dst[d + k] = Math.round((src[s + k] * a + dst[d + k] * under * (1 - a)) / outA);
      dst[d + 3] = Math.round(outA * 255);
    }
  }
}
