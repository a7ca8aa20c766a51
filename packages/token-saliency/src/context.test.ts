import { type Model, type ModelRequest, tensor } from '@salience/core';
import { createTokenModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { tokenIntegratedGradients } from './token-saliency.js';

/** The token fake with an attention mask derived from the ids (0 is padding), every request recorded. */
function withMask(): Model & { readonly requests: ModelRequest[] } {
  const inner = createTokenModel();
  const requests: ModelRequest[] = [];
  return {
    layout: inner.layout,
    inputShape: inner.inputShape,
    capabilities: inner.capabilities,
    layers: () => inner.layers(),
    contextOf: (ids) => ({
      attention_mask: tensor(
        Float32Array.from(ids.data, (id) => (id === 0 ? 0 : 1)),
        ids.shape,
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

describe('token integrated gradients with an attention mask', () => {
  it("runs the baseline ids and every path point with the real example's mask", async () => {
    const model = withMask();
    const length = 5;
    const first = Array.from({ length }, (_, t) => (t < 3 ? t + 1 : 0));
    const second = Array.from({ length }, (_, t) => (t < 2 ? t + 4 : 0));
    const ids = tensor([...first, ...second], [2, length]);
    // The baseline token is the pad id: a mask derived from the baseline ids would be all zeros.
    const result = await tokenIntegratedGradients.attribute(model, ids, { padTokenId: 0, steps: 3, target: 0, batchSize: 4 });
    const real = [first, second].map((row) => row.map((id) => (id === 0 ? 0 : 1)).join(''));
    let baselineRows = 0;
    for (const request of model.requests) {
      const rows = request.input.shape[0]!;
      const mask = request.context!.attention_mask!;
      expect(mask.shape).toEqual([rows, length]);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(mask.data.subarray(r * length, (r + 1) * length)).join('');
        expect(real).toContain(row);
        if (request.input.data.subarray(r * length, (r + 1) * length).every((id) => id === 0)) baselineRows++;
      }
    }
    // Each example has its own baseline row (its mask differs), not one shared all-pad row.
    expect(baselineRows).toBe(2);
    expect(result.meta.endpointRows).toBe(4);
  });

  it('refuses more steps than the limit, and misspelt options, before any model call', async () => {
    const model = withMask();
    const ids = tensor([1, 2, 0], [1, 3]);
    await expect(tokenIntegratedGradients.attribute(model, ids, { padTokenId: 0, steps: 50_000 })).rejects.toThrow(/steps is 50000, above the limit of 10000/);
    await expect(tokenIntegratedGradients.attribute(model, ids, { padTokenID: 0 } as object)).rejects.toThrow(/did you mean 'padTokenId'/);
    expect(model.requests).toHaveLength(0);
  });
});
