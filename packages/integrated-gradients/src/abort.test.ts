import { AbortError, type Model, type ModelOutputs, type ModelRequest, type OutputName } from '@salience/core';
import { loadCaptumFixture } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { integratedGradients } from './integrated-gradients.js';

/** The model with its calls counted, and an abort fired from a timer that a call sets. */
function countingModel(model: Model, abortAtCall: number, controller: AbortController) {
  const counts = { calls: 0, callsWhenAborted: -1 };
  controller.signal.addEventListener('abort', () => {
    counts.callsWhenAborted = counts.calls;
  });
  const counted: Model = {
    layout: model.layout,
    inputShape: model.inputShape,
    capabilities: model.capabilities,
    layers: () => model.layers(),
    run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
      counts.calls++;
      // A timer, as a Ctrl-C handler or a UI button would be: it can only run when the loop yields.
      if (counts.calls === abortAtCall) setTimeout(() => controller.abort(), 0);
      return model.run(request);
    },
    dispose: () => model.dispose(),
  };
  return { counted, counts };
}

describe.each(['cpu', 'wasm'])('an abort fired from a timer on tfjs %s', (backend) => {
  it('stops a long integrated-gradients run within one batch', async () => {
    await tf.setBackend(backend);
    await tf.ready();
    const fixture = await loadCaptumFixture('tabular');
    const model = fromTfjs(tf, buildFixtureModel(tf, 'tabular', fixture.weights));
    const controller = new AbortController();
    const { counted, counts } = countingModel(model, 5, controller);
    const steps = 2000;
    const batchSize = 8;
    try {
      const run = integratedGradients.attribute(counted, fixture.input, { steps, batchSize, target: 0, signal: controller.signal });
      await expect(run).rejects.toBeInstanceOf(AbortError);
    } finally {
      model.dispose();
    }
    expect(counts.callsWhenAborted).toBeGreaterThanOrEqual(5);
    // The batch running when the timer fired may finish; no other one starts.
    expect(counts.calls - counts.callsWhenAborted).toBeLessThanOrEqual(1);
    const batches = Math.ceil((fixture.input.shape[0]! * steps) / batchSize);
    expect(counts.calls).toBeLessThan(batches / 10);
  }, 30_000);
});
