import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import type { MethodSummary } from './audit-collector.js';
import { findConcentrations, flagShare } from './findings.js';
import type { MeanMap } from './mean-map.js';

const where = { model: 'm', dataset: 'd', method: 'gradient' };

function mean(count: number, shares: Record<string, number>): MeanMap {
  return { count, height: 1, width: 1, map: new Float32Array([1]), shares };
}

/** A summary whose classes hold the given (count, share of `region`). */
function summary(region: string, classes: [number, number][]): MethodSummary {
  const total = classes.reduce((s, [n]) => s + n, 0);
  const share = classes.reduce((s, [n, v]) => s + n * v, 0) / total;
  return {
    all: mean(total, { [region]: share }),
    classes: classes.map(([n, v], c) => ({ ...mean(n, { [region]: v }), class: c })),
    ranked: {},
  };
}

describe('findConcentrations', () => {
  it('needs minLift x area, or halfway to everything for big regions', () => {
    expect(flagShare(0.0625)).toBeCloseTo(0.1875, 12);
    expect(flagShare(0.01)).toBe(0.15);
    expect(flagShare(0.3)).toBeCloseTo(0.65, 12);
    expect(flagShare(0.1, { minLift: 2, minShare: 0 })).toBeCloseTo(0.2, 12);
    expect(() => flagShare(0.1, { minLift: -1 })).toThrow(OptionError);
  });

  it('flags a class over the share and over the others', () => {
    const s = summary('bottom-right', [
      [20, 0.05],
      [20, 0.4],
      [20, 0.04],
    ]);
    const found = findConcentrations(where, s, { 'bottom-right': 0.0625 });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ class: 1, region: 'bottom-right', count: 20, share: 0.4, area: 0.0625 });
    expect(found[0]!.lift).toBeCloseTo(6.4, 12);
    expect(found[0]!.othersShare).toBeCloseTo(0.045, 12);
  });

  it('skips classes with too few examples or too little contrast', () => {
    expect(
      findConcentrations(
        where,
        summary('top-left', [
          [4, 0.9],
          [20, 0.02],
        ]),
        { 'top-left': 0.0625 },
      ),
    ).toEqual([]);
    const close = summary('top-left', [
      [20, 0.3],
      [20, 0.18],
      [20, 0.02],
    ]);
    expect(findConcentrations(where, close, { 'top-left': 0.0625 }).map((f) => f.class)).toEqual([1, 0].slice(1));
  });

  it('reports an artifact of most classes once', () => {
    const s = summary('border', [
      [10, 0.8],
      [10, 0.75],
      [10, 0.1],
    ]);
    const found = findConcentrations(where, s, { border: 0.3 });
    expect(found.map((f) => f.class)).toEqual([null]);
    expect(found[0]!.share).toBeCloseTo(0.55, 12);
  });

  it('flags every class outside the object, without the contrast rule', () => {
    // Area 0.6: saliency spread evenly puts 60% outside; 80% (halfway to all) is flagged.
    const s = summary('outside-object', [
      [10, 0.85],
      [10, 0.82],
      [10, 0.84],
      [10, 0.6],
      [10, 0.3],
    ]);
    const found = findConcentrations(where, s, { 'outside-object': 0.6 });
    expect(found.map((f) => f.class).sort()).toEqual([0, 1, 2, null]);
    expect(
      findConcentrations(
        where,
        summary('outside-object', [
          [10, 0.7],
          [10, 0.6],
        ]),
        { 'outside-object': 0.6 },
      ),
    ).toEqual([]);
  });
});
