import { OptionError, ShapeError } from '@salience/core';
import { drawImage } from './draw-image.js';
import { assertImage, createImage, type Rgba, type RgbaImage } from './image.js';
import { drawLabel, fitLabel, measureLabel, type TextSize } from './typeface.js';

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
  /** Labels drawn with the built-in typeface (DejaVu Sans, antialiased). */
  readonly labels?: GridLabels;
  /** Default near-black. */
  readonly labelColour?: Rgba;
  /** Size of the labels; default 'small' (11 px). */
  readonly textSize?: TextSize;
  /** @deprecated Use `textSize`: 1 is 'small', 2 or more 'large'. */
  readonly fontScale?: number;
}

/**
 * Composes rows of images (e.g. methods x examples) into one image. Each column is as wide as its
 * widest image and each row as tall as its tallest; images are centred in their cells and drawn
 * over the background (source-over). `null` leaves a cell empty.
 */
export function grid(rows: readonly (readonly (RgbaImage | null | undefined)[])[], options: GridOptions = {}): RgbaImage {
  const { gap = 4, background = [255, 255, 255, 255], labelColour = [30, 30, 30, 255], fontScale = 1, labels = {} } = options;
  if (!Number.isInteger(fontScale) || fontScale < 1) throw new OptionError(`fontScale must be a positive integer; got ${fontScale}.`);
  const size: TextSize = options.textSize ?? (fontScale >= 2 ? 'large' : 'small');
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
  const text = measureLabel('', size).height;
  const labelWidth = labels.rows ? Math.max(0, ...labels.rows.map((l) => measureLabel(l, size).width)) + gap : 0;
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
    const fitted = fitLabel(label, widths[j]!, size);
    const w = measureLabel(fitted, size).width;
    drawLabel(out, fitted, columnX[j]! + Math.floor((widths[j]! - w) / 2), gap, labelColour, size);
  });
  let y = gap + headerHeight;
  rows.forEach((row, i) => {
    if (labels.rows) drawLabel(out, labels.rows[i]!, gap, y + Math.floor((heights[i]! - text) / 2), labelColour, size);
    row.forEach((image, j) => {
      if (!image) return;
      const dx = columnX[j]! + Math.floor((widths[j]! - image.width) / 2);
      const dy = y + Math.floor((heights[i]! - image.height) / 2);
      drawImage(out, image, dx, dy);
    });
    y += heights[i]! + gap;
  });
  return out;
}
