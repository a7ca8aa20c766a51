import { tokenGradXEmbedding, tokenIntegratedGradients } from '@salience/token-saliency';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadTextFixture, relativeError, TEXT_FOLDERS, worstMapError } from '../test/fixtures.js';
import { dequantize } from './dequantize.js';
import { quantizedOps } from './quantized.js';
import { loadTextClassifier } from './text-classifier.js';

describe('dequantize: gradient methods on an in-memory float copy of a quantized model', () => {
  for (const name of TEXT_FOLDERS) {
    it(`${name}: every quantized chain rewritten; the copy predicts as the quantized model does and its gradients are the float model's up to the weight rounding`, async () => {
      const fx = await loadTextFixture(name);
      const copy = await loadTextClassifier(ort as never, fx.folder, { quantized: true, dequantize: true });
      const float = await loadTextClassifier(ort as never, fx.folder);
      try {
        expect(copy.quantization.map((q) => q.op)).toContain('MatMulInteger'); // what the file holds
        expect(copy.dequantized?.matMuls).toBe(copy.quantization.find((q) => q.op === 'MatMulInteger')?.count);
        expect(copy.dequantized?.gathers).toBeGreaterThan(0);
        expect(copy.gradientError).toBeUndefined();
        expect(() => copy.assertGradients()).not.toThrow();
        const batch = copy.encode(fx.meta.texts);
        // measured: 1.0-2.6 % of the largest logit (the copy computes activations in float)
        expect(relativeError((await copy.predict(batch)).logits.data, fx.arrays.quantized_logits!.data)).toBeLessThan(0.05);
        const options = { target: fx.target, padTokenId: copy.padId ?? 0 };
        // measured: 3.3-6.4 % of each map's max away from the float model (the weights are rounded to 8 bits)
        const gxe = await tokenGradXEmbedding.attribute(copy.model, batch.ids, options);
        const gxeFloat = await tokenGradXEmbedding.attribute(float.model, batch.ids, options);
        expect(worstMapError(gxe.values.data, gxeFloat.values.data, 2)).toBeLessThan(0.15);
        if (name === 'distilbert' || name === 'bert') {
          // Completeness of IG on the copy. (RoBERTa's positions and GPT-2's pooled token are computed
          // from the ids, so F(baseline ids) is another function there, for the float model too.)
          const ig = await tokenIntegratedGradients.attribute(copy.model, batch.ids, { ...options, steps: 64 });
          for (const d of ig.meta.delta as Float32Array) expect(Math.abs(d)).toBeLessThan(1e-2);
        }
      } finally {
        copy.dispose();
        float.dispose();
      }
    }, 60_000);
  }

  it('the copy has no quantized op left, and a float model passes through unchanged in its ops', async () => {
    const { readFile } = await import('node:fs/promises');
    const fx = await loadTextFixture('bert');
    const q = new Uint8Array(await readFile(`${fx.folder}/onnx/model_quantized.onnx`));
    const copy = dequantize(q);
    expect(quantizedOps(copy.bytes)).toEqual([]);
    expect(copy.constants).toBe(0);
    const f = new Uint8Array(await readFile(`${fx.folder}/onnx/model.onnx`));
    expect(dequantize(f)).toMatchObject({ matMuls: 0, gathers: 0, constants: 0 });
  });
});
