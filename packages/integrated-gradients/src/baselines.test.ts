import { gaussianBlur, OptionError, ShapeError, type TensorData } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { type Baselines, DEFAULT_BLUR_SIGMA, resolveBaselines } from './baselines.js';

const input: TensorData = { data: Float32Array.from({ length: 2 * 3 * 4 * 4 }, (_, i) => (i % 7) / 7), shape: [2, 3, 4, 4] };
const size = 48;

function rowOf(set: ReturnType<typeof resolveBaselines>, example: number, index = 0): Float32Array {
  const out = new Float32Array(size).fill(Number.NaN);
  set.fill(example, index, out);
  return out;
}

describe('resolveBaselines', () => {
  it('fills zeros and constants, shared by every example', () => {
    const zero = resolveBaselines('zero', input, 'NCHW', 0);
    expect(zero).toMatchObject({ count: 1, perExample: false, description: 'zero' });
    expect(rowOf(zero, 1).every((v) => v === 0)).toBe(true);
    const half = resolveBaselines(0.5, input, 'NCHW', 0);
    expect(rowOf(half, 0).every((v) => v === 0.5)).toBe(true);
  });

  it('accepts a tensor per example, one shared [1, ...] or one without a batch axis', () => {
    const perExample = { data: Float32Array.from({ length: 2 * size }, (_, i) => i), shape: [2, 3, 4, 4] };
    const set = resolveBaselines(perExample, input, 'NCHW', 0);
    expect(set.perExample).toBe(true);
    expect(rowOf(set, 1)[0]).toBe(size);
    for (const shape of [
      [1, 3, 4, 4],
      [3, 4, 4],
    ]) {
      const shared = resolveBaselines({ data: Float32Array.from({ length: size }, (_, i) => -i), shape }, input, 'NCHW', 0);
      expect(shared.perExample).toBe(false);
      expect(rowOf(shared, 1)[5]).toBe(-5);
    }
  });

  it('rejects tensors of the wrong shape, length or values with ShapeError', () => {
    const bad: TensorData[] = [
      { data: new Float32Array(3 * size), shape: [3, 3, 4, 4] },
      { data: new Float32Array(size), shape: [1, 4, 4, 3] },
      { data: new Float32Array(size - 1), shape: [3, 4, 4] },
      { data: new Float32Array(size).fill(Number.NaN), shape: [3, 4, 4] },
    ];
    for (const b of bad) expect(() => resolveBaselines(b, input, 'NCHW', 0)).toThrow(ShapeError);
    expect(() => resolveBaselines(bad[0]!, input, 'NCHW', 0)).toThrow(/one baseline per example \[2, 3, 4, 4\]/);
  });

  it('rejects unknown kinds, empty lists and bad numbers with OptionError', () => {
    const bad = ['ones', Number.NaN, [], { kind: 'noise' }, { samples: 0, from: 'uniform' }, { samples: 2, from: 'blur' }, { kind: 'uniform', range: [1, 0] }];
    for (const b of bad) expect(() => resolveBaselines(b as unknown as Baselines, input, 'NCHW', 0)).toThrow(OptionError);
  });

  it('blurs each example over its spatial axes, and refuses feature vectors', () => {
    const set = resolveBaselines('blur', input, 'NCHW', 0);
    const blurred = gaussianBlur(input, 'NCHW', DEFAULT_BLUR_SIGMA);
    expect(rowOf(set, 1)).toEqual(blurred.data.subarray(size, 2 * size));
    const sharp = resolveBaselines({ kind: 'blur', sigma: 0.5 }, input, 'NCHW', 0);
    expect(sharp.description).toEqual({ kind: 'blur', sigma: 0.5 });
    expect(() => resolveBaselines('blur', { data: new Float32Array(8), shape: [2, 4] }, 'NC', 0)).toThrow(OptionError);
  });

  it('draws seeded uniform noise in the range, different per example and per sample', () => {
    const set = resolveBaselines({ kind: 'uniform', range: [-2, -1] }, input, 'NCHW', 7);
    const a = rowOf(set, 0);
    expect(a.every((v) => v >= -2 && v < -1)).toBe(true);
    expect(rowOf(resolveBaselines({ kind: 'uniform', range: [-2, -1] }, input, 'NCHW', 7), 0)).toEqual(a);
    expect(rowOf(set, 1)).not.toEqual(a);
    expect(rowOf(resolveBaselines({ kind: 'uniform', range: [-2, -1] }, input, 'NCHW', 8), 0)).not.toEqual(a);
    // The default range is the input's own.
    const inputRange = resolveBaselines('uniform', input, 'NCHW', 0);
    expect(inputRange.description).toEqual({ kind: 'uniform', range: [0, Math.fround(6 / 7)] });
    const samples = resolveBaselines({ samples: 3, from: 'uniform' }, input, 'NCHW', 1);
    expect(samples.count).toBe(3);
    expect(rowOf(samples, 0, 1)).not.toEqual(rowOf(samples, 0, 2));
  });

  it('averages over a list, and draws reference rows per example', () => {
    const list = resolveBaselines(['zero', 0.25, { data: new Float32Array(size).fill(1), shape: [3, 4, 4] }], input, 'NCHW', 0);
    expect(list.count).toBe(3);
    expect(list.perExample).toBe(false);
    expect([0, 1, 2].map((k) => rowOf(list, 0, k)[0])).toEqual([0, 0.25, 1]);
    const pool = { data: Float32Array.from({ length: 5 * size }, (_, i) => Math.floor(i / size)), shape: [5, 3, 4, 4] };
    const drawn = resolveBaselines({ samples: 4, from: pool }, input, 'NCHW', 3);
    expect(drawn).toMatchObject({ count: 4, perExample: true });
    for (let k = 0; k < 4; k++) {
      const row = rowOf(drawn, 1, k);
      expect(row.every((v) => v === row[0] && v >= 0 && v < 5)).toBe(true);
    }
    expect(() => resolveBaselines({ samples: 2, from: { data: new Float32Array(size), shape: [3, 4, 4] } }, input, 'NCHW', 0)).toThrow(ShapeError);
  });
});
