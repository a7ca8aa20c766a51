import type { TensorData } from '@salience/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { loadZooModel, type ZooTextModel } from '../test/zoo.js';
import { fromOnnx, type OnnxModel } from './onnx-model.js';
import type { OrtModule } from './ort-types.js';
import { bucketLength, cutTokens } from './sequence-buckets.js';

const TIMEOUT = 60_000;

function countingRuntime(): { runtime: OrtModule; created: () => number } {
  let created = 0;
  const runtime = {
    Tensor: ort.Tensor,
    InferenceSession: {
      create: (...args: Parameters<typeof ort.InferenceSession.create>) => {
        created++;
        return ort.InferenceSession.create(...args);
      },
    },
  } as unknown as OrtModule;
  return { runtime, created: () => created };
}

/** Logits, embeddings and embedding gradients as tokenIntegratedGradients asks for them. */
async function explain(model: OnnxModel, tokens: number): Promise<TensorData[]> {
  const input = { data: Float32Array.from({ length: 2 * tokens }, (_, i) => 2 + ((i * 7) % 50)), shape: [2, tokens] };
  const { embeddings, logits } = await model.run({ input, outputs: ['embeddings', 'logits'] });
  const { embeddingGradients } = await model.run({ input, embeddings, outputs: ['embeddingGradients'], target: Int32Array.from([0, 1]) });
  return [logits, embeddings, embeddingGradients];
}

function relativeError(ours: TensorData, reference: TensorData): number {
  expect(ours.shape).toEqual(reference.shape);
  let max = 0;
  let error = 0;
  for (let i = 0; i < reference.data.length; i++) {
    max = Math.max(max, Math.abs(reference.data[i]!));
    error = Math.max(error, Math.abs(ours.data[i]! - reference.data[i]!));
  }
  return error / max;
}

describe('sequence buckets', () => {
  it('rounds lengths up and cuts axis 1 back', () => {
    expect([1, 8, 9, 16].map((t) => bucketLength(t, 8))).toEqual([8, 8, 16, 16]);
    const t = { data: Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i), shape: [2, 3, 2] };
    expect(Array.from(cutTokens(t, 2).data)).toEqual([0, 1, 2, 3, 6, 7, 8, 9]);
  });

  for (const name of ['distilbert', 'bert', 'roberta', 'gpt2'] satisfies ZooTextModel[]) {
    it(
      `${name}: texts of 5, 6 and 7 tokens share one gradient graph of 8, with the unpadded results to 1e-5`,
      async () => {
        const zoo = await loadZooModel(name);
        const plain = await fromOnnx(ort as unknown as OrtModule, zoo.modelPath, { sessionOptions: TEST_SESSION_OPTIONS });
        const { runtime, created } = countingRuntime();
        const bucketed = await fromOnnx(runtime, zoo.modelPath, { sessionOptions: TEST_SESSION_OPTIONS, sequenceBucket: 8 });
        for (const tokens of [5, 6, 7]) {
          const reference = await explain(plain, tokens);
          const ours = await explain(bucketed, tokens);
          for (const [i, r] of reference.entries()) expect(relativeError(ours[i]!, r)).toBeLessThan(1e-5);
        }
        // The forward graph (logits and embeddings) and one gradient graph, for the three lengths.
        expect(created()).toBe(2);
        plain.dispose();
        bucketed.dispose();
      },
      TIMEOUT,
    );
  }

  it(
    'leaves a model without an attention mask unpadded (padding would change its logits)',
    async () => {
      const zoo = await loadZooModel('distilbert-ids');
      const { runtime, created } = countingRuntime();
      const model = await fromOnnx(runtime, zoo.modelPath, { sessionOptions: TEST_SESSION_OPTIONS, sequenceBucket: 8 });
      const plain = await fromOnnx(ort as unknown as OrtModule, zoo.modelPath, { sessionOptions: TEST_SESSION_OPTIONS });
      for (const tokens of [5, 6]) {
        const reference = await explain(plain, tokens);
        const ours = await explain(model, tokens);
        for (const [i, r] of reference.entries()) expect(Array.from(ours[i]!.data)).toEqual(Array.from(r.data));
      }
      expect(created()).toBe(3);
      model.dispose();
      plain.dispose();
    },
    TIMEOUT,
  );

  it('checks the option', async () => {
    const zoo = await loadZooModel('bert');
    await expect(fromOnnx(ort as unknown as OrtModule, zoo.modelPath, { sequenceBucket: 0 })).rejects.toThrow(/sequenceBucket must be a whole number/);
  });
});
