import { OptionError, tensor } from '@salience/core';
import { createTabularModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { integratedGradients } from './integrated-gradients.js';

describe('integrated gradients limits and option names', () => {
  const model = createTabularModel({ features: 3, classes: 2 });
  const input = tensor([1, 2, 3], [1, 3]);

  it('refuses steps, maxSteps and sampled baselines above the limits before any model call', async () => {
    await expect(integratedGradients.attribute(model, input, { steps: 1e9, target: 0 })).rejects.toBeInstanceOf(OptionError);
    await expect(integratedGradients.attribute(model, input, { steps: 200_000, target: 0 })).rejects.toThrow(
      /steps is 200000, above the limit of 10000.*limits: \{ steps: 200000 \}/,
    );
    await expect(integratedGradients.attribute(model, input, { steps: 8, tolerance: 1e-9, maxSteps: 100_000, target: 0 })).rejects.toThrow(/maxSteps is 100000/);
    await expect(integratedGradients.attribute(model, input, { baselines: { samples: 1e8, from: 'uniform' }, target: 0 })).rejects.toThrow(/baselines.samples is 100000000/);
    expect(model.calls).toBe(0);
  });

  it('takes a raised limit', async () => {
    const result = await integratedGradients.attribute(model, input, { steps: 12, target: 0, limits: { steps: 12 } });
    expect(result.meta.steps).toBe(12);
    await expect(integratedGradients.attribute(model, input, { steps: 12, target: 0, limits: { steps: 11 } })).rejects.toThrow(/limit of 11/);
  });

  it('rejects a misspelt option with the closest name', async () => {
    await expect(integratedGradients.attribute(model, input, { stepz: 3 } as object)).rejects.toThrow(/no option 'stepz'; did you mean 'steps'\?/);
  });
});
