import { OptionError, ShapeError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { grid } from './grid.js';
import { createImage, pixelAt } from './image.js';
import { measureLabel } from './typeface.js';

const red = createImage(2, 2, [255, 0, 0, 255]);
const blue = createImage(2, 2, [0, 0, 255, 255]);
const tall = createImage(1, 4, [0, 255, 0, 255]);

describe('grid', () => {
  it('lays out cells with gaps around and between them', () => {
    const out = grid(
      [
        [red, blue],
        [blue, red],
      ],
      { gap: 1 },
    );
    expect(out.width).toBe(1 + 2 + 1 + 2 + 1);
    expect(out.height).toBe(7);
    expect(pixelAt(out, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(pixelAt(out, 1, 1)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(out, 2, 2)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(out, 3, 1)).toEqual([255, 255, 255, 255]);
    expect(pixelAt(out, 4, 1)).toEqual([0, 0, 255, 255]);
    expect(pixelAt(out, 1, 4)).toEqual([0, 0, 255, 255]);
    expect(pixelAt(out, 5, 5)).toEqual([255, 0, 0, 255]);
  });

  it('sizes columns and rows to their largest image, centres the rest, and leaves null cells empty', () => {
    const out = grid(
      [
        [tall, null],
        [red, blue],
      ],
      { gap: 0, background: [0, 0, 0, 0] },
    );
    expect(out.width).toBe(4);
    expect(out.height).toBe(6);
    // The 1-wide image sits at column offset floor((2 - 1) / 2) = 0.
    expect(pixelAt(out, 0, 0)).toEqual([0, 255, 0, 255]);
    expect(pixelAt(out, 1, 0)).toEqual([0, 0, 0, 0]);
    expect(pixelAt(out, 2, 0)).toEqual([0, 0, 0, 0]);
    expect(pixelAt(out, 3, 5)).toEqual([0, 0, 255, 255]);
  });

  it('draws semi-transparent images over the background', () => {
    const ghost = createImage(1, 1, [0, 0, 0, 128]);
    const out = grid([[ghost]], { gap: 0 });
    expect(pixelAt(out, 0, 0)).toEqual([127, 127, 127, 255]);
  });

  it('adds room for labels and draws them', () => {
    const plain = grid([[red, blue]], { gap: 2 });
    const labelled = grid([[red, blue]], { gap: 2, labels: { rows: ['ab'], columns: ['x', 'y'] } });
    expect(labelled.width).toBe(plain.width + measureLabel('ab').width + 2);
    expect(labelled.height).toBe(plain.height + measureLabel('x').height + 2);
    // Antialiased ink: fully dark pixels and partly covered ones in between.
    let ink = 0;
    let partial = 0;
    for (let i = 0; i < labelled.data.length; i += 4) {
      const v = labelled.data[i]!;
      if (labelled.data[i + 1] !== v || labelled.data[i + 2] !== v) continue;
      if (v < 90) ink++;
      else if (v < 230) partial++;
    }
    expect(ink).toBeGreaterThan(4);
    expect(partial).toBeGreaterThan(4);
  });

  it('cuts column labels that are wider than their column', () => {
    const wide = createImage(30, 2, [0, 0, 0, 255]);
    const out = grid([[wide]], { gap: 0, labels: { columns: ['a very long method name'] } });
    expect(out.width).toBe(30);
    // Every label pixel lies inside the image width.
    expect(out.height).toBe(2 + measureLabel('a').height);
    // Nothing is drawn right of the column (the label was cut with an ellipsis).
    const big = grid([[wide]], { gap: 0, textSize: 'large', labels: { columns: ['a very long method name'] } });
    expect(big.height).toBe(2 + measureLabel('a', 'large').height);
  });

  it('rejects empty grids, bad gaps and label counts', () => {
    expect(() => grid([])).toThrow(ShapeError);
    expect(() => grid([[]])).toThrow(ShapeError);
    expect(() => grid([[red]], { gap: -1 })).toThrow(OptionError);
    expect(() => grid([[red]], { fontScale: 0 })).toThrow(OptionError);
    expect(() => grid([[red]], { labels: { rows: ['a', 'b'] } })).toThrow(OptionError);
    expect(() => grid([[red]], { labels: { columns: [] } })).toThrow(OptionError);
    expect(() => grid([[{ width: 2, height: 2, data: new Uint8ClampedArray(4) }]])).toThrow(/Grid cell \[0\]\[0\]/);
  });
});
