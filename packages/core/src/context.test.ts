import { describe, expect, it } from 'vitest';
import { contextRows, resolveContext } from './context.js';
import type { Model } from './model.js';
import { tensor } from './tensor.js';

const model = { contextOf: (x: { shape: readonly number[] }) => ({ position_ids: tensor(new Float32Array(x.shape[0]! * 2).fill(1), [x.shape[0]!, 2]) }) } as unknown as Model;

describe('context', () => {
  it('is undefined when the model derives none and none is given', () => {
    expect(resolveContext({} as Model, tensor([1, 2], [1, 2]), undefined)).toBeUndefined();
  });

  it('merges the derived with the given, the given winning, and checks rows', () => {
    const ids = tensor([1, 2, 3, 4], [2, 2]);
    const given = { position_ids: tensor([0, 1, 0, 1], [2, 2]) };
    expect(resolveContext(model, ids, given)).toEqual(given);
    expect(() => resolveContext(model, ids, { x: tensor([1], [1, 1]) })).toThrow(/context.x has shape \[1, 1\]/);
    expect(() => resolveContext(model, ids, { x: { data: [1, 2], shape: [2] } as never })).toThrow(/Float32Array/);
  });

  it('gathers rows by example', () => {
    const c = { m: tensor([1, 2, 3, 4], [2, 2]) };
    expect(Array.from(contextRows(c, [1, 1, 0])!.m!.data)).toEqual([3, 4, 3, 4, 1, 2]);
    expect(contextRows(undefined, [0])).toBeUndefined();
  });
});
