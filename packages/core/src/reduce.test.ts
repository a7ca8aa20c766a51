import { describe, expect, it } from 'vitest';
import { reduceChannels } from './reduce.js';
import { tensor } from './tensor.js';

describe('reduceChannels', () => {
  // One example, 2 channels, 1x2 pixels: channel 0 = [1, -4], channel 1 = [-3, 2].
  const nchw = tensor([1, -4, -3, 2], [1, 2, 1, 2]);
  const nhwc = tensor([1, -3, -4, 2], [1, 1, 2, 2]);

  it.each([
    ['max', [1, 2]],
    ['abs-max', [3, 4]],
    ['sum', [-2, -2]],
    ['mean', [-1, -1]],
    ['l2', [Math.sqrt(10), Math.sqrt(20)]],
  ] as const)('%s gives the same map for NCHW and NHWC', (reduction, expected) => {
    for (const [values, layout] of [
      [nchw, 'NCHW'],
      [nhwc, 'NHWC'],
    ] as const) {
      const out = reduceChannels(values, layout, reduction);
      expect(out.shape).toEqual([1, 1, 2]);
      expect(Array.from(out.data)).toEqual(expected.map((v) => Math.fround(v)));
    }
  });

  it('reduces the embedding axis of token tensors', () => {
    const out = reduceChannels(tensor([3, 4, 0, 1], [1, 2, 2]), 'tokens', 'l2');
    expect(out.shape).toEqual([1, 2]);
    expect(Array.from(out.data)).toEqual([5, 1]);
  });

  it('rejects an unknown reduction and a feature vector', () => {
    expect(() => reduceChannels(nchw, 'NCHW', 'median' as never)).toThrow(/Unknown channel reduction 'median'/);
    expect(() => reduceChannels(tensor([1, 2, 3], [1, 3, 1]), 'NC', 'max')).toThrow(/no channel axis/);
  });
});
