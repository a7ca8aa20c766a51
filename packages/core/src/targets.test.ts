import { describe, expect, it } from 'vitest';
import type { Model, ModelRequest, OutputName } from './model.js';
import { resolveTargets, rowTargets } from './targets.js';
import { tensor } from './tensor.js';

const logits = tensor([0.1, 0.9, 0.5, 0.7, 0.2, 0.3], [2, 3]);
const fakeModel: Model = {
  layout: 'NC',
  inputShape: [null, 1],
  capabilities: new Set<OutputName>(['logits']),
  layers: () => [],
  run: async <K extends OutputName>(_req: ModelRequest<K>) => ({ logits }) as never,
  dispose() {},
};
const input = tensor([0, 0], [2, 1]);

describe('rowTargets', () => {
  it('broadcasts one class, checks per-example classes, and resolves predicted', () => {
    expect(Array.from(rowTargets(2, 3))).toEqual([2, 2, 2]);
    expect(Array.from(rowTargets([1, 0], 2, logits))).toEqual([1, 0]);
    expect(Array.from(rowTargets('predicted', 2, logits))).toEqual([1, 0]);
  });

  it('says what is wrong with bad targets', () => {
    expect(() => rowTargets(3, 2, logits)).toThrow(/class 3, but the model has 3 classes/);
    expect(() => rowTargets([0], 2)).toThrow(/1 targets for 2 examples/);
    expect(() => rowTargets(-1, 2)).toThrow(/non-negative integers/);
    expect(() => rowTargets(1.5, 2)).toThrow(/non-negative integers/);
    expect(() => rowTargets(undefined, 2)).toThrow(/needs a target/);
    // A single target has no index to name; a per-example one names its position.
    expect(() => rowTargets(Number.NaN, 2)).toThrow(/^The target is NaN; class indices/);
    expect(() => rowTargets([0, Number.NaN], 2)).toThrow(/^Target \[1\] is NaN/);
  });
});

describe('resolveTargets', () => {
  it('expands several classes per example, example-major', async () => {
    const r = await resolveTargets(fakeModel, input, { classes: [2, 0] });
    expect(Array.from(r.examples)).toEqual([0, 0, 1, 1]);
    expect(Array.from(r.targets)).toEqual([2, 0, 2, 0]);
  });

  it('takes the top-k classes of each example from its logits', async () => {
    const r = await resolveTargets(fakeModel, input, { topK: 2 });
    expect(Array.from(r.targets)).toEqual([1, 2, 0, 2]);
    await expect(resolveTargets(fakeModel, input, { topK: 4 })).rejects.toThrow(/topK must be an integer in 1..3/);
  });

  it('defaults to the predicted class', async () => {
    const r = await resolveTargets(fakeModel, input);
    expect(Array.from(r.targets)).toEqual([1, 0]);
    expect(r.logits).toBe(logits);
  });
});

describe('resolveTargets with known logits or batches', () => {
  it('reuses logits it is given and batches the logits calls it makes', async () => {
    let calls = 0;
    const counting: Model = {
      ...fakeModel,
      run: async (req) => {
        calls++;
        return fakeModel.run(req);
      },
    };
    const r = await resolveTargets(counting, input, 'predicted', undefined, { logits });
    expect(calls).toBe(0);
    expect(Array.from(r.targets)).toEqual([1, 0]);
    const sliced: Model = {
      ...fakeModel,
      run: async (req) => {
        calls++;
        const rows = req.input.shape[0]!;
        const start = req.input.data.byteOffset / 4;
        return { logits: tensor(logits.data.subarray(start * 3, (start + rows) * 3), [rows, 3]) } as never;
      },
    };
    const batched = await resolveTargets(sliced, input, { topK: 1 }, undefined, { batchSize: 1 });
    expect(calls).toBe(2);
    expect(Array.from(batched.targets)).toEqual([1, 0]);
  });
});
