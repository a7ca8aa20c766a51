import { describe, expect, it } from 'vitest';
import { FeatureGroups, type RegionSet, SlidingWindows } from './regions.js';
import { windowGrid } from './window.js';

/** Element masks of every region, from its runs. */
function masks(regions: RegionSet): Uint8Array[] {
  const offsets = new Int32Array(regions.maxRuns);
  const lengths = new Int32Array(regions.maxRuns);
  return Array.from({ length: regions.count }, (_, k) => {
    const mask = new Uint8Array(regions.size);
    const n = regions.runs(k, offsets, lengths);
    for (let q = 0; q < n; q++) {
      for (let i = offsets[q]!; i < offsets[q]! + lengths[q]!; i++) {
        expect(mask[i]).toBe(0);
        mask[i] = 1;
      }
    }
    return mask;
  });
}

/** The same windows enumerated the plain way: every position of a grid of boxes, clipped at the border. */
function bruteMasks(dims: number[], window: number[], stride: number[]): Uint8Array[] {
  const size = dims.reduce((a, b) => a * b, 1);
  const starts = dims.map((d, j) => {
    const out: number[] = [];
    for (let s = 0; ; s += stride[j]!) {
      out.push(s);
      if (s + window[j]! >= d) break;
    }
    return out;
  });
  const combos: number[][] = [[]];
  for (const options of starts) {
    const next: number[][] = [];
    for (const c of combos) for (const s of options) next.push([...c, s]);
    combos.splice(0, combos.length, ...next);
  }
  return combos.map((start) => {
    const mask = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      let rest = i;
      let inside = true;
      for (let j = dims.length - 1; j >= 0; j--) {
        const x = rest % dims[j]!;
        rest = (rest - x) / dims[j]!;
        if (x < start[j]! || x >= start[j]! + window[j]!) inside = false;
      }
      mask[i] = inside ? 1 : 0;
    }
    return mask;
  });
}

const key = (m: Uint8Array) => m.join('');

describe('SlidingWindows', () => {
  const cases: Array<[number[], number[], number[]]> = [
    [
      [1, 28, 28],
      [1, 4, 4],
      [1, 2, 2],
    ],
    [
      [3, 7, 5],
      [3, 3, 2],
      [3, 2, 2],
    ],
    [
      [7, 5, 3],
      [3, 2, 3],
      [2, 1, 3],
    ],
    [
      [3, 6, 6],
      [1, 4, 4],
      [1, 3, 3],
    ],
    [
      [4, 5, 6],
      [2, 5, 6],
      [1, 5, 6],
    ],
    [[9], [4], [3]],
    [
      [2, 3, 4, 5],
      [1, 2, 3, 5],
      [1, 1, 2, 1],
    ],
  ];

  it.each(cases)('covers exactly the clipped boxes for dims %j, window %j, stride %j', (dims, window, stride) => {
    const regions = new SlidingWindows(windowGrid(dims, 'NC', window, stride));
    const got = masks(regions);
    const want = bruteMasks(dims, window, stride);
    expect(got.length).toBe(want.length);
    expect(new Set(got.map(key))).toEqual(new Set(want.map(key)));
    const coverage = new Float64Array(regions.size);
    for (const m of want) for (let i = 0; i < m.length; i++) coverage[i]! += m[i]!;
    expect(Array.from(regions.coverage())).toEqual(Array.from(coverage));
  });

  it('truncates the last window at the border', () => {
    const regions = new SlidingWindows(windowGrid([5], 'NC', 2, 2));
    expect(masks(regions).map(key)).toEqual(['11000', '00110', '00001']);
    expect(Array.from(regions.coverage())).toEqual([1, 1, 1, 1, 1]);
  });

  it('merges trailing dimensions that a window spans into one run', () => {
    const regions = new SlidingWindows(windowGrid([8, 8, 3], 'NHWC', 4, 4));
    const offsets = new Int32Array(regions.maxRuns);
    const lengths = new Int32Array(regions.maxRuns);
    expect(regions.runs(0, offsets, lengths)).toBe(4);
    expect(Array.from(lengths.subarray(0, 4))).toEqual([12, 12, 12, 12]);
    const whole = new SlidingWindows(windowGrid([2, 3], 'NC', [1, 3], [1, 3]));
    expect(whole.runs(1, offsets, lengths)).toBe(1);
    expect([offsets[0], lengths[0]]).toEqual([3, 3]);
  });
});

describe('FeatureGroups', () => {
  it('makes one region per id, in ascending id order, covering every element once', () => {
    const groups = new FeatureGroups([5, 5, 2, 2, 5, 9, 2]);
    expect(groups.ids).toEqual([2, 5, 9]);
    expect(masks(groups).map(key)).toEqual(['0011001', '1100100', '0000010']);
    expect(Array.from(groups.coverage())).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });
});
