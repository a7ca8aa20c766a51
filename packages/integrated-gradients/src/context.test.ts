import { type Model, type ModelRequest, tensor } from '@salience/core';
import { createTabularModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { integratedGradients } from './integrated-gradients.js';

/**
 * A tabular model whose companions are derived from its input: `mask` is 1 where a feature is
 * not 0. Every request is recorded.
 */
function masked(): Model & { readonly requests: ModelRequest[] } {
  const inner = createTabularModel({ features: 3, classes: 2 });
  const requests: ModelRequest[] = [];
  return {
    layout: inner.layout,
    inputShape: inner.inputShape,
    capabilities: inner.capabilities,
    layers: () => inner.layers(),
    contextOf: (x) => ({
      mask: tensor(
        Float32Array.from(x.data, (v) => (v === 0 ? 0 : 1)),
        x.shape,
      ),
    }),
    run(request) {
      requests.push(request as ModelRequest);
      return inner.run(request);
    },
    dispose: () => inner.dispose(),
    requests,
  };
}

const rowsOf = (t: { data: Float32Array; shape: readonly number[] }) => Array.from({ length: t.shape[0]! }, (_, r) => Array.from(t.data.subarray(r * 3, r * 3 + 3)).join(''));

describe('integrated gradients with companion inputs', () => {
  it("evaluates F(baseline) and every path point with the real example's companions", async () => {
    const model = masked();
    const input = tensor([1, 0, 2, 0, 3, 0], [2, 3]);
    const result = await integratedGradients.attribute(model, input, { steps: 4, target: 1, batchSize: 5 });
    expect(result.values.shape).toEqual([2, 3]);
    const real = ['101', '010'];
    for (const request of model.requests) {
      const inputs = rowsOf(request.input);
      const masks = rowsOf(request.context!.mask!);
      expect(masks).toHaveLength(inputs.length);
      // A zero baseline would derive an all-zero mask; each row keeps its example's instead.
      for (const mask of masks) expect(real).toContain(mask);
      for (const [r, row] of inputs.entries()) if (row === '000') expect(real).toContain(masks[r]);
    }
    // Shared zero baselines are evaluated once per example when there is context: 2 inputs + 2 baselines.
    expect(result.meta.endpointRows).toBe(4);
    const baselineRows = model.requests.flatMap((q) =>
      rowsOf(q.input)
        .map((row, r) => [row, rowsOf(q.context!.mask!)[r]])
        .filter(([row]) => row === '000'),
    );
    expect(baselineRows.map(([, mask]) => mask)).toEqual(real);
  });

  it("the caller's context overrides the derived one, row by row", async () => {
    const model = masked();
    const input = tensor([1, 0, 2, 0, 3, 0], [2, 3]);
    const mask = tensor([1, 1, 1, 0, 0, 0], [2, 3]);
    await integratedGradients.attribute(model, input, { steps: 2, target: 0, context: { mask } });
    const gradientCalls = model.requests.filter((q) => q.outputs.includes('inputGradients'));
    expect(gradientCalls.length).toBeGreaterThan(0);
    for (const q of gradientCalls) {
      const masks = rowsOf(q.context!.mask!);
      // Rows are (example, node), example major: two nodes each.
      expect(masks).toEqual(['111', '111', '000', '000'].slice(0, masks.length));
    }
  });
});
