import { describe, expect, it } from 'vitest';
import type { Model, ModelRequest } from './model.js';
import { modelWithRun } from './model-with-run.js';

function inner(): Model & { disposed: number } {
  const model = {
    disposed: 0,
    layout: 'NHWC' as const,
    inputShape: [null, 2, 2, 1],
    capabilities: new Set(['logits', 'inputGradients'] as const),
    backwardRules: new Set(['guided'] as const),
    runsFromLayers: true,
    plugin: { name: '@acme/p', coreVersion: '0.1.0' },
    layers: () => [{ name: 'conv', kind: 'Conv', outputShape: [null, 2, 2, 1], spatial: true }],
    contextOf: () => ({ mask: { data: Float32Array.of(1), shape: [1, 1] } }),
    randomizedCopy: async () => model as unknown as Model,
    run: async () => ({ logits: { data: Float32Array.of(7), shape: [1, 1] } }),
    dispose: () => {
      model.disposed++;
    },
  };
  return model as unknown as Model & { disposed: number };
}

describe('modelWithRun', () => {
  it('forwards every declared fact and sends calls through the given run', async () => {
    const model = inner();
    const seen: ModelRequest[] = [];
    const wrapped = modelWithRun(model, (request) => {
      seen.push(request);
      return model.run(request);
    });
    expect(wrapped.layout).toBe('NHWC');
    expect(wrapped.inputShape).toBe(model.inputShape);
    expect(wrapped.capabilities).toBe(model.capabilities);
    expect(wrapped.backwardRules).toBe(model.backwardRules);
    expect(wrapped.runsFromLayers).toBe(true);
    expect(wrapped.plugin).toBe(model.plugin);
    expect(wrapped.layers()).toEqual(model.layers());
    expect(wrapped.contextOf?.({ data: Float32Array.of(1), shape: [1, 1] })).toHaveProperty('mask');
    expect(await wrapped.randomizedCopy?.(['conv'])).toBe(model);
    const out = await wrapped.run({ input: { data: new Float32Array(4), shape: [1, 2, 2, 1] }, outputs: ['logits'] });
    expect(Array.from(out.logits.data)).toEqual([7]);
    expect(seen).toHaveLength(1);
    wrapped.dispose();
    expect(model.disposed).toBe(1);
  });

  it('declares no optional fact the model lacks, and takes its own dispose', () => {
    const plain: Model = { layout: 'NCHW', inputShape: [null, 1], capabilities: new Set(['logits']), layers: () => [], run: async () => ({}) as never, dispose: () => {} };
    let disposed = false;
    const wrapped = modelWithRun(plain, plain.run, () => {
      disposed = true;
    });
    expect(Object.keys(wrapped).sort()).toEqual(['capabilities', 'dispose', 'inputShape', 'layers', 'layout', 'run']);
    wrapped.dispose();
    expect(disposed).toBe(true);
  });
});
