import type { Model } from '@salience/core';
import { integratedGradients } from '@salience/integrated-gradients';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { offerOf, switchBackend } from './backends.js';

/**
 * Cancellation on a GPU backend: webgl's reads are asynchronous but a method that only awaited
 * microtasks between batches would still keep a timer from firing. A signal aborted from
 * setTimeout must stop integrated gradients within one batch. Model calls are counted through a
 * wrapper, so the test depends on no timing.
 */

const STEPS = 2000;
const BATCH = 16;

/** A small CNN on 16 x 16 x 3 images, seeded. */
function smallCnn(): tf.Sequential {
  const model = tf.sequential();
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  model.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [16, 16, 3], kernelInitializer: seeded(1) }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: 3, kernelInitializer: seeded(2) }));
  return model;
}

/** The model behind a counter; `onCall` runs as each call starts. */
function counted(inner: Model, onCall: (calls: number) => void): Model & { calls: number } {
  const wrapper = {
    calls: 0,
    layout: inner.layout,
    inputShape: inner.inputShape,
    capabilities: inner.capabilities,
    layers: () => inner.layers(),
    run: ((request) => {
      wrapper.calls++;
      onCall(wrapper.calls);
      return inner.run(request);
    }) as Model['run'],
    dispose: () => inner.dispose(),
  };
  return wrapper;
}

describe('an AbortSignal fired from setTimeout on tfjs webgl', () => {
  it(`stops a ${STEPS}-step integrated-gradients run within one batch`, async () => {
    const offer = await offerOf(tf, 'webgl');
    if (!offer.offered) {
      // The browser does not offer webgl here: say so, and check that it is refused.
      expect(await switchBackend(tf, 'webgl')).toBe(false);
      return;
    }
    expect(await switchBackend(tf, 'webgl')).toBe(true);
    const layers = smallCnn();
    const controller = new AbortController();
    let callsWhenAborted = -1;
    let scheduled = false;
    const model = counted(fromTfjs(tf, layers), (calls) => {
      // Once the integration has started (the first call gives the logits for 'predicted'), a timer aborts.
      if (calls === 2 && !scheduled) {
        scheduled = true;
        setTimeout(() => {
          callsWhenAborted = model.calls;
          controller.abort(new Error('timeout'));
        }, 0);
      }
    });
    const input = { data: new Float32Array(16 * 16 * 3).map((_, i) => Math.sin(i)), shape: [1, 16, 16, 3] };
    const run = integratedGradients.attribute(model, input, { steps: STEPS, batchSize: BATCH, signal: controller.signal });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    const planned = 1 + Math.ceil(STEPS / BATCH);
    // The timer fired while the run was going (not after it ended)...
    expect(callsWhenAborted).toBeGreaterThanOrEqual(2);
    expect(callsWhenAborted).toBeLessThan(planned);
    // ...and at most the batch already under way was sent afterwards.
    expect(model.calls - callsWhenAborted).toBeLessThanOrEqual(1);
    model.dispose();
    layers.dispose();
  });
});
