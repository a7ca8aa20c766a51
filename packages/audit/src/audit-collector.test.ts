import { describe, expect, it } from 'vitest';
import type { AuditRecord } from './audit-batch.js';
import { AuditCollector } from './audit-collector.js';
import { summariseMap } from './example-map.js';
import { defaultRegions } from './regions.js';

const SIDE = 12;
const REGIONS = defaultRegions(SIDE, SIDE);
const AREAS = Object.fromEntries(REGIONS.map((r) => [r.name, r.area]));

/** A map of evenly spread mass plus `spot` extra mass at (y, x). */
function map(seed: number, spot?: { y: number; x: number; mass: number }): Float32Array {
  const m = Float32Array.from({ length: SIDE * SIDE }, (_, i) => 0.5 + 0.5 * Math.abs(Math.sin(i * 1.7 + seed)));
  if (spot) m[spot.y * SIDE + spot.x]! += spot.mass;
  return m;
}

function rec(index: number, label: number | null, predicted: number, maps: Record<string, Float32Array>): AuditRecord {
  return {
    index,
    name: `x${index}`,
    label,
    predicted,
    probability: 0.5 + (index % 5) / 10,
    target: predicted,
    maps: Object.fromEntries(Object.entries(maps).map(([k, v]) => [k, summariseMap(v, SIDE, SIDE, REGIONS)])),
  };
}

/** 60 examples of 3 classes; class 2's maps put heavy mass in the bottom-right corner. */
function dataset(shortcut: boolean): AuditRecord[] {
  return Array.from({ length: 60 }, (_, i) => {
    const label = i % 3;
    const predicted = i % 10 === 0 ? (label + 1) % 3 : label;
    const spot = shortcut && predicted === 2 ? { y: 10, x: 10, mass: 200 } : undefined;
    return rec(i, label, predicted, { gradient: map(i, spot) });
  });
}

function collect(batches: AuditRecord[][], extra: Partial<ConstructorParameters<typeof AuditCollector>[0]> = {}) {
  const collector = new AuditCollector({ classes: 3, classNames: ['a', 'b', 'c'], ...extra });
  for (const batch of batches) collector.add('clean', { model: batch });
  return collector.result();
}

describe('AuditCollector', () => {
  it('flags the class whose saliency sits in a corner, and only it', () => {
    const result = collect([dataset(true)]);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.findings.every((f) => f.class === 2)).toBe(true);
    const corner = result.findings.find((f) => f.region === 'bottom-right');
    expect(corner).toBeDefined();
    expect(corner!.share).toBeGreaterThan(0.5);
    expect(result.regions.gradient).toEqual(AREAS);
    expect(corner!.lift).toBeCloseTo(corner!.share / AREAS['bottom-right']!, 10);
    expect(corner!.othersShare).toBeCloseTo(AREAS['bottom-right']!, 1);
    expect(corner!.count).toBe(result.groups[0]!.methods.gradient!.classes.find((c) => c.class === 2)!.count);
  });

  it('finds nothing when saliency is spread evenly', () => {
    expect(collect([dataset(false)]).findings).toEqual([]);
  });

  it('reports an artifact of every class once, for all classes', () => {
    const records = Array.from({ length: 30 }, (_, i) => rec(i, i % 3, i % 3, { gradient: map(i, { y: 0, x: 5, mass: 300 }) }));
    const findings = collect([records]).findings;
    expect(findings.map((f) => [f.class, f.region])).toEqual([[null, 'border']]);
  });

  it('gives the same result whatever the batching', () => {
    const records = dataset(true);
    const whole = collect([records]);
    const parts = collect([records.slice(0, 7), records.slice(7, 40), records.slice(40)]);
    expect(parts.findings).toEqual(whole.findings);
    expect(parts.groups[0]!.confusion.map((c) => [c.label, c.predicted, c.count])).toEqual(whole.groups[0]!.confusion.map((c) => [c.label, c.predicted, c.count]));
    const a = whole.groups[0]!.methods.gradient!;
    const b = parts.groups[0]!.methods.gradient!;
    for (let i = 0; i < a.all.map.length; i++) expect(b.all.map[i]).toBeCloseTo(a.all.map[i]!, 7);
    expect(b.ranked.border!.map((r) => r.index)).toEqual(a.ranked.border!.map((r) => r.index));
  });

  it('groups correct and incorrect predictions and counts confusion pairs', () => {
    const result = collect([dataset(false)]);
    const group = result.groups[0]!;
    expect(group.count).toBe(60);
    expect(group.labelled).toBe(60);
    expect(group.correct).toBe(54);
    expect(group.accuracy).toBeCloseTo(0.9, 12);
    // Examples 0, 10, ..., 50 are wrong: label i % 3 predicted as (label + 1) % 3.
    const pairs = group.confusion.map((c) => `${c.label}->${c.predicted}:${c.count}`);
    expect(pairs).toEqual(['0->1:2', '1->2:2', '2->0:2']);
    expect(group.methods.gradient!.correct!.count).toBe(54);
    expect(group.methods.gradient!.incorrect!.count).toBe(6);
    expect(group.confusion[0]!.examples.gradient!.map((e) => e.name)).toEqual(['x0', 'x30']);
    const mean = group.methods.gradient!.all.map.reduce((s, v) => s + v, 0);
    expect(mean).toBeCloseTo(1, 5);
  });

  it('ranks the examples with the most saliency on the border, best first, bounded', () => {
    const records = dataset(false);
    records[17] = rec(17, 2, 2, { gradient: map(17, { y: 0, x: 0, mass: 50 }) });
    records[44] = rec(44, 2, 2, { gradient: map(44, { y: 11, x: 4, mass: 500 }) });
    const result = collect([records], { top: 5 });
    const ranked = result.groups[0]!.methods.gradient!.ranked.border!;
    expect(ranked).toHaveLength(5);
    expect(ranked.slice(0, 2).map((r) => r.index)).toEqual([44, 17]);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i]!.score).toBeLessThanOrEqual(ranked[i - 1]!.score);
  });

  it('handles unlabelled data', () => {
    const records = dataset(false).map((r) => ({ ...r, label: null }));
    const group = collect([records]).groups[0]!;
    expect(group.accuracy).toBeNull();
    expect(group.confusion).toEqual([]);
    expect(group.methods.gradient!.correct).toBeUndefined();
  });

  it('compares two models example by example', () => {
    const a = dataset(true);
    const same = new AuditCollector({ classes: 3 });
    same.add('clean', { first: a, second: a });
    const identical = same.result().comparisons[0]!;
    expect(identical.meanSimilarity).toBeCloseTo(1, 10);
    expect(identical.agreement).toBe(1);

    const b = dataset(false);
    const other = new AuditCollector({ classes: 3, top: 4 });
    other.add('clean', { first: a, second: b });
    const c = other.result().comparisons[0]!;
    expect(c.count).toBe(60);
    expect(c.meanSimilarity).toBeLessThan(1);
    // The examples whose first-model map has the corner spot agree least.
    expect(c.leastSimilar.every((p) => p.first.predicted === 2)).toBe(true);
    const perClass = Object.fromEntries(c.classes.map((k) => [k.class, k.meanSimilarity]));
    expect(perClass[2]).toBeLessThan(perClass[0]!);
    expect(other.result().groups.map((g) => g.model)).toEqual(['first', 'second']);
  });

  it('measures the regions of each method at its own map size', () => {
    const records = dataset(true).map((r) => ({
      ...r,
      maps: {
        ...r.maps,
        cam: summariseMap(
          Float32Array.from({ length: 16 }, (_, i) => i + 1),
          4,
          4,
          defaultRegions(4, 4),
        ),
      },
    }));
    const result = collect([records]);
    expect(result.regions.cam!['top-left']).toBeCloseTo(1 / 16, 12);
    expect(result.regions.gradient!['top-left']).toBeCloseTo(9 / 144, 12);
    expect(result.groups[0]!.methods.cam!.all.height).toBe(4);
  });

  it('keeps datasets apart and refuses mismatched batches', () => {
    const collector = new AuditCollector({ classes: 3 });
    collector.add('clean', { m: dataset(false) });
    collector.add('shifted', { m: dataset(true) });
    const result = collector.result();
    expect(result.datasets).toEqual(['clean', 'shifted']);
    expect(result.findings.every((f) => f.dataset === 'shifted')).toBe(true);
    expect(() => collector.add('clean', { m: dataset(false), n: dataset(false).slice(1) })).toThrow(/same examples/);
    const odd = { ...dataset(false)[0]!, maps: { gradient: summariseMap(new Float32Array(16).fill(1), 4, 4, []) } };
    expect(() => collector.add('clean', { m: [odd] })).toThrow(/audit one input size/);
    expect(result.regions.gradient!['bottom-right']).toBeCloseTo(9 / 144, 12);
    expect(() => new AuditCollector({ classes: 0 })).toThrow(/classes/);
  });
});
