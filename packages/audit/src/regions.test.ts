import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { borderRegion, boxRegion, cornerRegions, defaultBorderWidth, defaultRegions, outsideRegion } from './regions.js';

const count = (mask: Uint8Array) => mask.reduce((s, v) => s + v, 0);

describe('regions', () => {
  it('puts a quarter-side square in each corner', () => {
    const corners = cornerRegions(28, 28);
    expect(corners.map((c) => c.name)).toEqual(['top-left', 'top-right', 'bottom-left', 'bottom-right']);
    for (const c of corners) {
      expect(count(c.mask)).toBe(49);
      expect(c.area).toBeCloseTo(49 / 784, 12);
    }
    const br = corners[3]!;
    expect(br.mask[27 * 28 + 27]).toBe(1);
    expect(br.mask[21 * 28 + 21]).toBe(1);
    expect(br.mask[20 * 28 + 27]).toBe(0);
    expect(corners[0]!.mask[0]).toBe(1);
    expect(corners[1]!.mask[27]).toBe(1);
    expect(corners[2]!.mask[27 * 28]).toBe(1);
  });

  it('handles non-square images and keeps at least one pixel', () => {
    const [tl, tr] = cornerRegions(3, 10, 0.1);
    expect(count(tl!.mask)).toBe(1);
    expect(tr!.mask[9]).toBe(1);
  });

  it('measures the border band', () => {
    expect(defaultBorderWidth(28, 28)).toBe(1);
    expect(defaultBorderWidth(224, 224)).toBe(11);
    const border = borderRegion(10, 8, 2);
    expect(count(border.mask)).toBe(80 - 6 * 4);
    expect(border.mask[0]).toBe(1);
    expect(border.mask[2 * 8 + 2]).toBe(0);
    expect(border.mask[7 * 8 + 5]).toBe(0);
    expect(border.mask[8 * 8 + 5]).toBe(1);
  });

  it('clips boxes and takes complements', () => {
    const box = boxRegion('object', 6, 6, { top: -2, left: 1, bottom: 3, right: 99 });
    expect(count(box.mask)).toBe(3 * 5);
    const outside = outsideRegion(box);
    expect(outside.name).toBe('outside-object');
    expect(count(outside.mask)).toBe(36 - 15);
    expect(box.area + outside.area).toBeCloseTo(1, 12);
  });

  it('rejects regions that cannot exist', () => {
    expect(() => cornerRegions(28, 28, 0.6)).toThrow(OptionError);
    expect(() => cornerRegions(28, 28, 0)).toThrow(OptionError);
    expect(() => borderRegion(6, 6, 3)).toThrow(/less than half/);
    expect(() => borderRegion(6, 6, 1.5)).toThrow(OptionError);
    expect(() => boxRegion('x', 6, 6, { top: 7, left: 0, bottom: 9, right: 3 })).toThrow(/holds no position/);
    expect(() => defaultRegions(0, 5)).toThrow(OptionError);
  });
});
