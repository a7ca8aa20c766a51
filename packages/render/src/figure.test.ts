import { type Attribution, OptionError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { colormap } from './colormap.js';
import type { DisplayScale } from './display-map.js';
import { attributionFigure, figure, figureTitle } from './figure.js';
import { createImage, pixelAt, type RgbaImage } from './image.js';
import { measureLabel } from './typeface.js';

const image = createImage(8, 4, [0, 128, 0, 255]);
/** Left half strongly positive, right half strongly negative. */
const signedMap = tensor(
  Array.from({ length: 32 }, (_, i) => (i % 8 < 4 ? 1 : -1)),
  [4, 8],
);
const scale: DisplayScale = { low: -0.25, high: 0.25, signed: true, sign: 'all', normalization: 'percentile', outlierPercent: 2, clippedShare: 0 };

/** Rows of the image that hold dark (text) pixels. */
function textRows(out: RgbaImage, x0: number, x1: number): number[] {
  const rows: number[] = [];
  for (let y = 0; y < out.height; y++) {
    for (let x = x0; x < x1; x++) {
      const [r, g, b] = pixelAt(out, x, y);
      if (r < 120 && g < 120 && b < 120) {
        rows.push(y);
        break;
      }
    }
  }
  return rows;
}

describe('figure', () => {
  it('lays out original | heat map | blended and a colorbar under a title', () => {
    const out = figure({ image, map: signedMap, scale, title: 'Gradient · cat (class 3) · p = 0.500', panelSize: 64 });
    const margin = 10;
    const top = margin + measureLabel('x', 'large').height + measureLabel('x').height + 2 + 6;
    // Panels are 64 x 32 (the 8 x 4 input enlarged 8 times, crisp), 10 px apart.
    expect(pixelAt(out, margin, top)).toEqual([0, 128, 0, 255]);
    expect(pixelAt(out, margin + 63, top + 31)).toEqual([0, 128, 0, 255]);
    const heatX = margin + 64 + 10;
    const diverging = colormap('blue-white-red');
    expect(pixelAt(out, heatX + 5, top + 5).slice(0, 3)).toEqual(diverging(1));
    expect(pixelAt(out, heatX + 60, top + 5).slice(0, 3)).toEqual(diverging(-1));
    // Blended: full-strength scores are clearly coloured over the gray input (not faint).
    const blendX = heatX + 64 + 10;
    const [r, g, b] = pixelAt(out, blendX + 5, top + 5);
    expect(r - Math.max(g, b)).toBeGreaterThan(50);
    const [r2, g2, b2] = pixelAt(out, blendX + 60, top + 5);
    expect(b2 - Math.max(r2, g2)).toBeGreaterThan(40);
    // The colorbar starts right of the third panel; the figure is wide enough for its labels.
    expect(out.width).toBeGreaterThan(blendX + 64 + 12 + 20);
    expect(out.height).toBe(top + 32 + 4 + 2 * measureLabel('x').height + 2 + margin);
    // Title and subtitle rows hold text; captions sit under the panels.
    expect(textRows(out, margin, out.width).filter((y) => y < top).length).toBeGreaterThan(10);
    expect(textRows(out, margin, margin + 64).filter((y) => y > top + 32).length).toBeGreaterThan(4);
  });

  it('keeps weak signed scores visible with alpha by magnitude (gamma 0.5)', () => {
    const weak = tensor(new Array(32).fill(0.25), [4, 8]);
    const gray = createImage(8, 4, [128, 128, 128, 255]);
    const top = 10 + measureLabel('x').height + 2 + 6;
    const redness = (gamma: number) => {
      const [r, , b] = pixelAt(figure({ image: gray, map: weak, scale, panelSize: 64, gamma }), 10 + 2 * 74 + 5, top + 5);
      return r - b;
    };
    // a = 0.9 * sqrt(0.25) = 0.45 by default; linear opacity would give 0.225.
    expect(redness(1)).toBeGreaterThan(5);
    expect(redness(0.5)).toBeGreaterThan(1.8 * redness(1));
  });

  it('titles name the method, the class and the probability', () => {
    expect(figureTitle({ method: 'Integrated gradients', target: 4, className: 'Coat', probability: 0.91234 })).toBe('Integrated gradients · Coat (class 4) · p = 0.912');
    expect(figureTitle({ method: 'Grad-CAM', target: 2 })).toBe('Grad-CAM · class 2');
    expect(figureTitle({ method: 'x', probability: 0.99999 })).toBe('x · p = > 0.999');
  });

  it('draws an attribution row with its scale in raw units', () => {
    const attribution: Attribution = {
      method: 'gradient',
      values: tensor([...new Array(32).fill(0.5), ...new Array(32).fill(2)], [2, 1, 4, 8]),
      layout: 'NCHW',
      examples: Int32Array.of(0, 1),
      targets: Int32Array.of(1, 1),
      meta: {},
    };
    const first = attributionFigure(attribution, { image, row: 1, className: 'dog', probability: 0.25, panelSize: 32 });
    expect(first.width).toBeGreaterThan(3 * 32);
    expect(() => attributionFigure(attribution, { image, row: 2 })).toThrow(OptionError);
    expect(() => figure({ image, map: signedMap, scale, panelSize: 4 })).toThrow(OptionError);
  });
});
