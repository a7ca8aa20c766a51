import { type Attribution, type Method, OptionError, tensor } from '@salience/core';
import { gradient } from '@salience/gradient';
import { createTabularModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { smoothGrad } from './smoothgrad.js';

/** Records the options of every inner call; one map per row, the input itself. */
function recorder(seen: Record<string, unknown>[]): Method<object> {
  return {
    id: 'recorder',
    requires: [],
    async attribute(_model, input, options = {}): Promise<Attribution> {
      seen.push({ ...options });
      const rows = input.shape[0]!;
      return {
        method: 'recorder',
        values: input,
        layout: 'NC',
        examples: Int32Array.from({ length: rows }, (_, i) => i),
        targets: Int32Array.from((options as { target: ArrayLike<number> }).target),
        meta: {},
      };
    },
  };
}

describe('SmoothGrad limits, option names and context', () => {
  const model = createTabularModel({ features: 3, classes: 2 });
  const input = tensor([1, 2, 3, 4, 5, 6], [2, 3]);

  it('refuses more samples than the limit before any model call, unless raised', async () => {
    const wrapped = smoothGrad(gradient);
    await expect(wrapped.attribute(model, input, { samples: 100_000, target: 0 })).rejects.toBeInstanceOf(OptionError);
    await expect(wrapped.attribute(model, input, { samples: 100_000, target: 0 })).rejects.toThrow(/samples is 100000, above the limit of 10000/);
    await expect(wrapped.attribute(model, input, { samples: 3, target: 0, limits: { samples: 3 } })).resolves.toBeDefined();
  });

  it("rejects an unknown key with the closest of the wrapper's and the inner method's names", async () => {
    const wrapped = smoothGrad(gradient);
    expect(wrapped.optionKeys).toEqual(expect.arrayContaining(['samples', 'stdev', 'variant', 'channelReduction']));
    await expect(wrapped.attribute(model, input, { sampels: 3 } as object)).rejects.toThrow(/did you mean 'samples'/);
    await expect(wrapped.attribute(model, input, { varient: 'signed' } as object)).rejects.toThrow(/did you mean 'variant'/);
  });

  it("gives each noisy row its real example's context", async () => {
    const seen: Record<string, unknown>[] = [];
    const mask = tensor([1, 1, 0, 1, 0, 0], [2, 3]);
    await smoothGrad(recorder(seen), { samples: 2 }).attribute(model, input, { target: 0, context: { mask }, batchSize: 3 });
    const rows = seen.flatMap((o) => {
      const m = (o.context as { mask: { data: Float32Array } }).mask.data;
      return Array.from({ length: m.length / 3 }, (_, r) => Array.from(m.subarray(r * 3, r * 3 + 3)).join(''));
    });
    // (sample, example) order: example 0, example 1, example 0, example 1.
    expect(rows).toEqual(['110', '100', '110', '100']);
  });
});
