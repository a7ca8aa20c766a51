import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { colorbarTicks, colorbarWithUnits } from './colorbar-units.js';
import { colormap } from './colormap.js';
import type { DisplayScale } from './display-map.js';
import { pixelAt } from './image.js';

const unsigned: DisplayScale = { low: 0, high: 0.02, signed: false, sign: 'absolute', normalization: 'percentile', outlierPercent: 2, clippedShare: 0.01 };
const signed: DisplayScale = { ...unsigned, low: -0.5, high: 0.5, signed: true, sign: 'all', clippedShare: 0 };

/** The bar's colour column: y of the bar's top, then rows top to bottom. */
function column(image: ReturnType<typeof colorbarWithUnits>, top: number, length: number) {
  return Array.from({ length }, (_, k) => pixelAt(image, 3, top + k));
}

describe('colorbarWithUnits', () => {
  it('ticks the raw values: 0 in the middle of signed scales', () => {
    expect(colorbarTicks(unsigned)).toEqual([0, 0.01, 0.02]);
    expect(colorbarTicks(signed)).toEqual([-0.5, -0.25, 0, 0.25, 0.5]);
    expect(colorbarTicks({ ...unsigned, normalization: 'min-max', low: -1, high: 3 })).toEqual([-1, 1, 3]);
  });

  it('runs the colormap from the bottom (low) to the top (full colour)', () => {
    const length = 100;
    const bar = colorbarWithUnits(unsigned, { length, colormap: 'inferno' });
    const top = 7; // half a small line of room for the top label
    expect(bar.height).toBe(length + 2 * top);
    const colours = column(bar, top, length);
    const inferno = colormap('inferno');
    expect(colours[0]!.slice(0, 3)).toEqual(inferno(0.995));
    expect(colours[length - 1]!.slice(0, 3)).toEqual(inferno(0.005));
    // Lightness rises monotonically from the bottom to the top.
    const light = colours.map(([r, g, b]) => r + g + b).reverse();
    for (let k = 1; k < light.length; k++) expect(light[k]).toBeGreaterThanOrEqual(light[k - 1]! - 3);
  });

  it('centres signed scales on white: blue at the bottom, red at the top', () => {
    const length = 101;
    const bar = colorbarWithUnits(signed, { length });
    const colours = column(bar, 7, length);
    const [r0, , b0] = colours[0]!;
    const [r1, , b1] = colours[length - 1]!;
    const middle = colours[50]!;
    expect(r0).toBeGreaterThan(b0); // top: red
    expect(b1).toBeGreaterThan(r1); // bottom: blue
    expect(Math.min(...middle.slice(0, 3))).toBeGreaterThan(235); // 0: white
  });

  it('writes tick labels beside the bar, with ≥ at a capped end', () => {
    const capped = colorbarWithUnits(unsigned, { length: 60 });
    const uncapped = colorbarWithUnits({ ...unsigned, clippedShare: 0 }, { length: 60 });
    expect(capped.width).toBeGreaterThan(uncapped.width); // '≥ 0.02' is wider than '0.02'
    let dark = 0;
    for (let y = 0; y < capped.height; y++) for (let x = 20; x < capped.width; x++) if (pixelAt(capped, x, y)[0] < 128) dark++;
    expect(dark).toBeGreaterThan(40);
  });

  it('rejects sizes it cannot draw and non-finite scales', () => {
    expect(() => colorbarWithUnits(unsigned, { length: 3 })).toThrow(OptionError);
    expect(() => colorbarWithUnits({ ...unsigned, high: Number.NaN })).toThrow(OptionError);
  });
});
