import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import {
  COLORMAP_NAMES,
  colormap,
  colormapFromLut,
  colormapFromStops,
  DIVERGING_COLORMAPS,
  LUT_SIZE,
  type Rgb,
  readableTextColour,
  relativeLuminance,
  rgbToHex,
  SEQUENTIAL_COLORMAPS,
} from './colormap.js';

/** CIE L* (0..100) of an sRGB colour. */
function lightness(rgb: Rgb): number {
  const y = relativeLuminance(rgb);
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (24389 / 27) * y;
}

function entry(name: Parameters<typeof colormap>[0], i: number): Rgb {
  const { lut } = colormap(name);
  return [lut[i * 3]!, lut[i * 3 + 1]!, lut[i * 3 + 2]!];
}

function expectNear(actual: Rgb, expected: Rgb, tolerance: number) {
  for (let c = 0; c < 3; c++) expect(Math.abs(actual[c]! - expected[c]!), `channel ${c} of ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

describe('colormap', () => {
  it('lists five sequential and two diverging maps, each a 256-entry table', () => {
    expect(SEQUENTIAL_COLORMAPS).toEqual(['viridis', 'inferno', 'magma', 'turbo', 'gray']);
    expect(DIVERGING_COLORMAPS).toEqual(['blue-white-red', 'red-white-green']);
    expect(COLORMAP_NAMES).toHaveLength(7);
    for (const name of COLORMAP_NAMES) {
      const map = colormap(name);
      expect(map.name).toBe(name);
      expect(map.lut).toHaveLength(LUT_SIZE * 3);
      expect(map.domain).toEqual(map.kind === 'diverging' ? [-1, 1] : [0, 1]);
      expect(colormap(name)).toBe(map);
    }
  });

  it('matches the published endpoints (matplotlib, Google Turbo, ColorBrewer, Captum)', () => {
    // Polynomial fits are within a few levels of matplotlib's tables.
    expectNear(colormap('viridis')(0), [68, 1, 84], 4);
    expectNear(colormap('viridis')(0.5), [33, 145, 140], 4);
    expectNear(colormap('viridis')(1), [253, 231, 37], 4);
    expectNear(colormap('inferno')(0), [0, 0, 4], 4);
    expectNear(colormap('inferno')(1), [252, 255, 164], 5);
    expectNear(colormap('magma')(0), [0, 0, 4], 4);
    expectNear(colormap('magma')(1), [252, 253, 191], 5);
    expect(colormap('turbo')(0)).toEqual([48, 18, 59]);
    expect(colormap('turbo')(1)).toEqual([122, 4, 3]);
    expect(colormap('gray')(0)).toEqual([0, 0, 0]);
    expect(colormap('gray')(1)).toEqual([255, 255, 255]);
    expect(rgbToHex(colormap('blue-white-red')(-1))).toBe('#053061');
    expect(rgbToHex(colormap('blue-white-red')(1))).toBe('#67001f');
    expect(colormap('red-white-green')(-1)).toEqual([255, 0, 0]);
    expect(colormap('red-white-green')(1)).toEqual([0, 128, 0]);
  });

  it('puts (nearly) white at 0 on diverging maps, as matplotlib does with 256 entries', () => {
    for (const name of DIVERGING_COLORMAPS) {
      const centre = colormap(name)(0);
      for (const c of centre) expect(c).toBeGreaterThanOrEqual(253);
    }
  });

  it('has monotone lightness for viridis, inferno, magma and gray', () => {
    for (const name of ['viridis', 'inferno', 'magma', 'gray'] as const) {
      const l = Array.from({ length: LUT_SIZE }, (_, i) => lightness(entry(name, i)));
      // Rounding to 8 bits can cost a hair between neighbours, never more.
      for (let i = 1; i < LUT_SIZE; i++) expect(l[i], `${name} at ${i}`).toBeGreaterThanOrEqual(l[i - 1]! - 0.1);
      for (let i = 8; i < LUT_SIZE; i += 8) expect(l[i], `${name} at ${i}`).toBeGreaterThan(l[i - 8]!);
      expect(l[LUT_SIZE - 1]! - l[0]!).toBeGreaterThan(70);
    }
  });

  it('is lightest in the middle for turbo and the diverging maps', () => {
    for (const name of ['turbo', ...DIVERGING_COLORMAPS] as const) {
      const l = Array.from({ length: LUT_SIZE }, (_, i) => lightness(entry(name, i)));
      const middle = Math.max(...l.slice(96, 160));
      expect(middle).toBeGreaterThan(l[0]! + 30);
      expect(middle).toBeGreaterThan(l[LUT_SIZE - 1]! + 30);
    }
    const l = Array.from({ length: LUT_SIZE }, (_, i) => lightness(entry('blue-white-red', i)));
    for (let i = 1; i <= 127; i++) expect(l[i]).toBeGreaterThanOrEqual(l[i - 1]! - 0.1);
    for (let i = 129; i < LUT_SIZE; i++) expect(l[i]).toBeLessThanOrEqual(l[i - 1]! + 0.1);
  });

  it('bins values like matplotlib and clamps the rest', () => {
    const seq = colormap('viridis');
    expect(seq.index(0)).toBe(0);
    expect(seq.index(1)).toBe(255);
    expect(seq.index(0.5)).toBe(128);
    expect(seq.index(0.999)).toBe(255);
    expect(seq.index(1 / 256)).toBe(1);
    expect(seq.index(-3)).toBe(0);
    expect(seq.index(7)).toBe(255);
    expect(seq.index(Number.NaN)).toBe(0);
    expect(seq(Number.POSITIVE_INFINITY)).toEqual(entry('viridis', 255));
    const div = colormap('blue-white-red');
    expect(div.index(-1)).toBe(0);
    expect(div.index(0)).toBe(128);
    expect(div.index(1)).toBe(255);
    expect(div.index(Number.NaN)).toBe(128);
    expect(div(0.3)).toEqual(entry('blue-white-red', div.index(0.3)));
  });

  it('builds custom maps from stops or tables', () => {
    const ramp = colormapFromStops('ramp', 'sequential', ['#000000', [255, 255, 255]]);
    expect(Array.from(ramp.lut)).toEqual(Array.from(colormap('gray').lut));
    const lut = new Uint8Array(LUT_SIZE * 3).fill(7);
    expect(colormapFromLut('flat', 'diverging', lut)(0.2)).toEqual([7, 7, 7]);
    expect(colormap(ramp)).toBe(ramp);
  });

  it('rejects unknown names and malformed definitions with OptionError', () => {
    expect(() => colormap('jet' as never)).toThrow(OptionError);
    expect(() => colormap('jet' as never)).toThrow(/viridis/);
    expect(() => colormapFromStops('x', 'sequential', ['#000000'])).toThrow(OptionError);
    expect(() => colormapFromStops('x', 'sequential', ['#000000', 'white'])).toThrow(OptionError);
    expect(() => colormapFromStops('x', 'sequential', ['#000000', [0, 0, 300]])).toThrow(OptionError);
    expect(() => colormapFromLut('x', 'sequential', new Uint8Array(10))).toThrow(OptionError);
    expect(() => colormapFromLut('x', 'cyclic' as never, new Uint8Array(768))).toThrow(OptionError);
  });

  it('picks black text on light backgrounds and white on dark ones', () => {
    expect(readableTextColour([255, 255, 255])).toEqual([0, 0, 0]);
    expect(readableTextColour([255, 255, 0])).toEqual([0, 0, 0]);
    expect(readableTextColour([0, 0, 0])).toEqual([255, 255, 255]);
    expect(readableTextColour([5, 48, 97])).toEqual([255, 255, 255]);
    expect(rgbToHex([0, 128, 255])).toBe('#0080ff');
  });
});
