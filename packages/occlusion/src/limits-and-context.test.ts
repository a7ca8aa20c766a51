import { type Model, type ModelRequest, OptionError, tensor } from '@salience/core';
import { createTabularModel, createTokenModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { featureAblation } from './feature-ablation.js';
import { occlusion } from './occlusion.js';

/** The model with every request recorded, and companions derived from the real ids. */
function recording(model: Model): Model & { readonly requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    layout: model.layout,
    inputShape: model.inputShape,
    capabilities: model.capabilities,
    layers: () => model.layers(),
    contextOf: (ids) => ({
      attention_mask: tensor(
        Float32Array.from(ids.data, (id) => (id === 0 ? 0 : 1)),
        ids.shape,
      ),
    }),
    run(request) {
      requests.push(request as ModelRequest);
      return model.run(request);
    },
    dispose: () => model.dispose(),
    requests,
  };
}

describe('occlusion limits and context', () => {
  it('refuses more windows than the limit before any model call, and takes a raised limit', async () => {
    const model = recording(createTabularModel({ features: 6, classes: 3 }));
    const input = tensor(new Float32Array(12).fill(1), [2, 6]);
    const refused = occlusion.attribute(model, input, { window: 1, target: 0, limits: { windows: 5 } });
    await expect(refused).rejects.toBeInstanceOf(OptionError);
    await expect(occlusion.attribute(model, input, { window: 1, target: 0, limits: { windows: 5 } })).rejects.toThrow(
      /windows per example is 6, above the limit of 5.*limits: \{ windows: 6 \}/,
    );
    await expect(featureAblation.attribute(model, input, { target: 0, limits: { windows: 5 } })).rejects.toThrow(/feature groups is 6/);
    expect(model.requests).toHaveLength(0);
    await expect(occlusion.attribute(model, input, { window: 1, target: 0, limits: { windows: 6 } })).resolves.toBeDefined();
  });

  it('rejects a misspelt option with the closest name', async () => {
    const model = createTabularModel({ features: 6, classes: 3 });
    const input = tensor(new Float32Array(6).fill(1), [1, 6]);
    await expect(occlusion.attribute(model, input, { windw: 2 } as object)).rejects.toThrow(/did you mean 'window'/);
  });

  it("gives every occluded copy its real example's mask, never one derived from the occluded ids", async () => {
    const model = recording(createTokenModel());
    const ids = tensor([3, 4, 5, 0, 6, 7, 0, 0], [2, 4]);
    await occlusion.attribute(model, ids, { target: 0, window: 1, baseline: 0 });
    const masks = [
      [1, 1, 1, 0],
      [1, 1, 0, 0],
    ];
    let copies = 0;
    for (const request of model.requests.slice(1)) {
      const rows = request.input.shape[0]!;
      for (let r = 0; r < rows; r++) {
        const row = Array.from(request.context!.attention_mask!.data.subarray(r * 4, (r + 1) * 4));
        // Occluding with the pad id would zero the mask if it were derived from the copy.
        expect(masks).toContainEqual(row);
        copies++;
      }
    }
    expect(copies).toBe(8);
    const first = model.requests
      .slice(1)
      .flatMap((q) => Array.from({ length: q.input.shape[0]! }, (_, r) => Array.from(q.context!.attention_mask!.data.subarray(r * 4, (r + 1) * 4))));
    expect(first.slice(0, 4).every((m) => m.join() === masks[0]!.join())).toBe(true);
    expect(first.slice(4).every((m) => m.join() === masks[1]!.join())).toBe(true);
  });
});
