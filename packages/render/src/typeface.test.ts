import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { createImage } from './image.js';
import { drawLabel, fitLabel, measureLabel } from './typeface.js';

/** Columns and rows of the pixels darker than the white background. */
function ink(image: { width: number; height: number; data: Uint8ClampedArray }) {
  let count = 0;
  let partial = 0;
  let minX = Infinity;
  let maxX = -Infinity;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const v = image.data[(y * image.width + x) * 4]!;
      if (v === 255) continue;
      count++;
      if (v > 40) partial++;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
    }
  }
  return { count, partial, minX, maxX };
}

describe('built-in typeface', () => {
  it('measures proportional text at two sizes', () => {
    const small = measureLabel('Wi', 'small');
    expect(measureLabel('W').width).toBeGreaterThan(measureLabel('i').width);
    expect(small.width).toBe(measureLabel('W').width + measureLabel('i').width);
    expect(small.height).toBe(14);
    expect(measureLabel('Wi', 'large').height).toBe(18);
    expect(measureLabel('Wi', 'large').width).toBeGreaterThan(small.width);
    expect(measureLabel('').width).toBe(0);
  });

  it('draws antialiased ink inside the measured box, more of it at the larger size', () => {
    const text = 'p = 0.913';
    const small = createImage(80, 20, [255, 255, 255, 255]);
    const end = drawLabel(small, text, 2, 2, [0, 0, 0, 255], 'small');
    expect(end).toBe(2 + measureLabel(text).width);
    const s = ink(small);
    expect(s.count).toBeGreaterThan(30);
    expect(s.partial).toBeGreaterThan(10); // edges are blended, not a 1-bit font
    expect(s.minX).toBeGreaterThanOrEqual(2);
    expect(s.maxX).toBeLessThan(end);
    const large = createImage(100, 24, [255, 255, 255, 255]);
    drawLabel(large, text, 2, 2, [0, 0, 0, 255], 'large');
    expect(ink(large).count).toBeGreaterThan(s.count);
  });

  it('has the symbols captions need, and "?" for characters it lacks', () => {
    const draw = (t: string) => {
      const image = createImage(20, 20, [255, 255, 255, 255]);
      drawLabel(image, t, 2, 2, [0, 0, 0, 255]);
      return Array.from(image.data).join(',');
    };
    for (const symbol of ['Δ', '±', '−', '≥', '·']) expect(draw(symbol)).not.toBe(draw('?'));
    expect(draw('漢')).toBe(draw('?'));
    expect(measureLabel(' ').width).toBeGreaterThan(0);
  });

  it('blends over the background and clips at the edges', () => {
    const image = createImage(6, 6, [255, 0, 0, 255]);
    drawLabel(image, 'MM', -3, -4, [0, 0, 255, 128], 'large');
    const blended = Array.from({ length: 36 }, (_, p) => image.data[p * 4 + 2]!).filter((b) => b > 0);
    expect(blended.length).toBeGreaterThan(0);
    expect(Math.max(...blended)).toBeLessThanOrEqual(128);
  });

  it('cuts text to a width with an ellipsis', () => {
    const long = 'Integrated gradients with a long name';
    const cut = fitLabel(long, 60);
    expect(cut.endsWith('…')).toBe(true);
    expect(measureLabel(cut).width).toBeLessThanOrEqual(60);
    expect(fitLabel('ok', 60)).toBe('ok');
    expect(fitLabel(long, 2)).toBe('');
    expect(() => measureLabel('x', 'huge' as 'small')).toThrow(OptionError);
  });
});
