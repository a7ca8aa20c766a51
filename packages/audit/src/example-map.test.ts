import { ShapeError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { summariseMap, thumbnailSize } from './example-map.js';
import { borderRegion, cornerRegions } from './regions.js';

describe('summariseMap', () => {
  it('measures shares of absolute mass at full resolution', () => {
    const map = new Float32Array(8 * 8);
    map[7 * 8 + 7] = -3; // bottom-right corner, negative: counts by magnitude
    map[3 * 8 + 3] = 1; // centre
    const regions = [...cornerRegions(8, 8), borderRegion(8, 8, 1)];
    const s = summariseMap(map, 8, 8, regions);
    expect(s.mass).toBe(4);
    expect(s.shares['bottom-right']).toBeCloseTo(0.75, 12);
    expect(s.shares['top-left']).toBe(0);
    expect(s.shares.border).toBeCloseTo(0.75, 12);
    expect(s.thumbnail.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(s.thumbnail[63]).toBeCloseTo(0.75, 6);
  });

  it('shrinks big maps by a whole factor, keeping the sum', () => {
    expect(thumbnailSize(224, 224)).toEqual({ height: 56, width: 56, factor: 4 });
    expect(thumbnailSize(28, 28)).toEqual({ height: 28, width: 28, factor: 1 });
    expect(thumbnailSize(200, 100)).toEqual({ height: 50, width: 25, factor: 4 });
    const map = Float32Array.from({ length: 130 * 70 }, (_, i) => (i % 7) + 1);
    const s = summariseMap(map, 130, 70, [], 64);
    expect([s.thumbnailHeight, s.thumbnailWidth]).toEqual([44, 24]);
    expect(s.thumbnail.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // The first thumbnail cell covers rows 0..2, columns 0..2.
    let block = 0;
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) block += map[y * 70 + x]!;
    expect(s.thumbnail[0]).toBeCloseTo(block / s.mass, 6);
  });

  it('keeps an all-zero map as zeros', () => {
    const s = summariseMap(new Float32Array(16), 4, 4, cornerRegions(4, 4));
    expect(s.mass).toBe(0);
    expect(Object.values(s.shares).every((v) => v === 0)).toBe(true);
    expect(s.thumbnail.every((v) => v === 0)).toBe(true);
  });

  it('rejects maps and regions of the wrong size', () => {
    expect(() => summariseMap(new Float32Array(15), 4, 4, [])).toThrow(ShapeError);
    expect(() => summariseMap(new Float32Array(16), 4, 4, cornerRegions(5, 5))).toThrow(/region top-left is 5 x 5/);
  });
});
