import { describe, expect, it } from 'vitest';
import { CapabilityError, OptionError, ShapeError } from './errors.js';
import type { Model, ModelRequest, OutputName } from './model.js';
import { beginMethod, type MethodSpec } from './prologue.js';
import { tensor } from './tensor.js';

/** Logits = [x0 + x1, x0 - x1] per row; records every request. */
function twoClassModel(extra: Partial<Model> = {}): Model & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    layout: 'NC',
    inputShape: [null, 2],
    capabilities: new Set<OutputName>(['logits', 'inputGradients']),
    layers: () => [],
    async run(request) {
      requests.push(request as ModelRequest);
      const rows = request.input.shape[0]!;
      const data = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        const [a, b] = request.input.data.subarray(r * 2, r * 2 + 2);
        data[r * 2] = a! + b!;
        data[r * 2 + 1] = a! - b!;
      }
      return { logits: { data, shape: [rows, 2] } } as never;
    },
    dispose() {},
    requests,
    ...extra,
  };
}

const spec: MethodSpec = { id: 'probe', requires: ['inputGradients'], optionKeys: ['steps'], layouts: ['NC'] };
const input = tensor([1, 2, 3, -1, 0, 5], [3, 2]);

describe('beginMethod', () => {
  it('resolves targets with the logits, in batches', async () => {
    const model = twoClassModel();
    const call = await beginMethod(model, input, { batchSize: 2 }, spec);
    expect(Array.from(call.targets)).toEqual([0, 1, 0]);
    expect(Array.from(call.examples)).toEqual([0, 1, 2]);
    expect(call.modelCalls).toBe(2);
    expect(model.requests.map((r) => r.input.shape[0])).toEqual([2, 1]);
    expect(call.sameRows).toBe(true);
  });

  it('needs no model call for explicit targets, and expands several', async () => {
    const model = twoClassModel();
    const call = await beginMethod(model, input, { target: { classes: [1, 0] } }, spec);
    expect(model.requests).toHaveLength(0);
    expect(Array.from(call.examples)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(call.sameRows).toBe(false);
    expect(Array.from(call.mapInput(1, 3).data)).toEqual([1, 2, 3, -1]);
  });

  it('builds requests with per-row labels, context rows and the signal', async () => {
    const mask = tensor([1, 1, 0, 1, 1, 0], [3, 2]);
    const model = twoClassModel({ contextOf: (x) => ({ derived: tensor(new Float32Array(x.data.length).fill(7), x.shape), mask: tensor([9, 9, 9, 9, 9, 9], [3, 2]) }) });
    const labels = tensor([1, 0, 0, 1, 0.5, 0.5], [3, 2]);
    const signal = new AbortController().signal;
    const call = await beginMethod(model, input, { target: 1, objective: { kind: 'cross-entropy', labels }, context: { mask }, signal }, spec);
    const request = call.request({ input: tensor([0, 0, 0, 0], [2, 2]), examples: [2, 0], targets: [1, 1], outputs: ['inputGradients'] });
    expect(request.target).toEqual([1, 1]);
    expect(request.signal).toBe(signal);
    expect(Array.from((request.objective as { labels: { data: Float32Array } }).labels.data)).toEqual([0.5, 0.5, 1, 0]);
    // The caller's context overrides what the model derives; rows follow the examples.
    expect(Array.from(request.context!.mask!.data)).toEqual([1, 0, 1, 1]);
    expect(Array.from(request.context!.derived!.data)).toEqual([7, 7, 7, 7]);
    await call.run({ input: tensor([0, 0], [1, 2]), examples: [1], outputs: ['logits'] });
    expect(call.modelCalls).toBe(1);
    expect(model.requests[0]!.target).toBeUndefined();
  });

  it('computes the context from the real input, once', async () => {
    const seen: number[][] = [];
    const model = twoClassModel({
      contextOf: (x) => {
        seen.push(Array.from(x.data));
        return {
          mask: tensor(
            Float32Array.from(x.data, (v) => (v === 0 ? 0 : 1)),
            x.shape,
          ),
        };
      },
    });
    const call = await beginMethod(model, input, {}, spec);
    expect(seen).toEqual([[1, 2, 3, -1, 0, 5]]);
    // The logits that resolved 'predicted' carried it too.
    expect(Array.from(model.requests[0]!.context!.mask!.data)).toEqual([1, 1, 1, 1, 0, 1]);
    expect(Array.from(call.request({ input, examples: [2], outputs: ['logits'] }).context!.mask!.data)).toEqual([0, 1]);
  });

  it('rejects bad context, unknown keys, layouts and capabilities before any model call', async () => {
    const model = twoClassModel();
    await expect(beginMethod(model, input, { context: { mask: tensor([1, 1], [1, 2]) } }, spec)).rejects.toThrow(
      /context.mask has shape \[1, 2\]; give one row per row of the input/,
    );
    await expect(beginMethod(model, input, { stepz: 3 } as object, spec)).rejects.toThrow(/did you mean 'steps'/);
    await expect(beginMethod(model, input, {}, { ...spec, layouts: ['NCHW'], layoutHint: 'Images only.' })).rejects.toThrow(OptionError);
    await expect(beginMethod(model, input, {}, { ...spec, requires: ['embeddings'] })).rejects.toBeInstanceOf(CapabilityError);
    // Both wrong: a CapabilityError that says the layout's message first.
    const both = beginMethod(model, input, {}, { ...spec, requires: ['embeddings'], layouts: ['tokens'], layoutHint: 'Text only.' });
    await expect(both).rejects.toThrow(/^Text only\. The 'probe' method needs embeddings/);
    await expect(beginMethod(model, { data: new Float64Array(6) as never, shape: [3, 2] }, {}, spec)).rejects.toThrow(ShapeError);
    await expect(beginMethod(model, { data: new Float64Array(6) as never, shape: [3, 2] }, {}, spec)).rejects.toThrow(/Float64Array.*Float32Array/);
    expect(model.requests).toHaveLength(0);
  });
});
