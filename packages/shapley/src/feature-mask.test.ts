import { ShapeError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { fillCoalition, gridMask, resolveFeatures, spreadFeatures } from './feature-mask.js';

describe('gridMask', () => {
  it('numbers cells row by row and cuts the last ones at the border', () => {
    const { data, shape } = gridMask(3, 5, 2);
    expect(shape).toEqual([3, 5]);
    expect(Array.from(data)).toEqual([0, 0, 1, 1, 2, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5]);
  });
});

describe('resolveFeatures', () => {
  it('spreads a per-pixel mask over the channels in either layout', () => {
    const mask = { data: Float32Array.from([7, 7, 3, 3]), shape: [2, 2] };
    const nchw = resolveFeatures(mask, [2, 2, 2], 'NCHW');
    expect(nchw.ids).toEqual([3, 7]);
    expect(Array.from(nchw.featureOf)).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    const nhwc = resolveFeatures(mask, [2, 2, 2], 'NHWC');
    expect(Array.from(nhwc.featureOf)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('defaults to one feature per element and rejects misshapen or fractional masks', () => {
    expect(resolveFeatures(undefined, [4], 'NC').count).toBe(4);
    expect(() => resolveFeatures({ data: new Float32Array(3), shape: [3] }, [4], 'NC')).toThrow(ShapeError);
    expect(() => resolveFeatures({ data: Float32Array.from([0, 0.5, 1, 1]), shape: [4] }, [4], 'NC')).toThrow(/integers/);
  });

  it('fills a coalition from runs and spreads values back', () => {
    const features = resolveFeatures({ data: Float32Array.from([0, 1, 1, 0, 2]), shape: [5] }, [5], 'NC');
    const copy = new Float32Array(5);
    fillCoalition(copy, Float32Array.from([1, 2, 3, 4, 5]), -1, features, (k) => k !== 1);
    expect(Array.from(copy)).toEqual([1, -1, -1, 4, 5]);
    const out = new Float32Array(5);
    spreadFeatures(Float64Array.from([0.5, 2, -3]), features, out);
    expect(Array.from(out)).toEqual([0.5, 2, 2, 0.5, -3]);
  });
});
