import { GradientsUnavailableError } from '@salience/core';
import { occlusion } from '@salience/occlusion';
import { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients } from '@salience/token-saliency';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextFixture, TEXT_FOLDERS, type TextFixture, worstMapError } from '../test/fixtures.js';
import { QuantizedModelError } from './quantized.js';
import { loadTextClassifier, type TextClassifier } from './text-classifier.js';

// Captum's references are float64 (the model in double); ours run in float32: 1e-4 of each map's max,
// or Captum's own float32-vs-float64 distance where that is larger.
const tolerance = (fx: TextFixture, name: string) => Math.max(1e-4, Number(fx.arrays[name]!.extra.f32Distance ?? 0) * 1.5);

for (const name of TEXT_FOLDERS) {
  describe(`${name}: the transformers.js folder vs Captum`, () => {
    let fx: TextFixture;
    let float: TextClassifier;
    let quantized: TextClassifier;
    beforeAll(async () => {
      fx = await loadTextFixture(name);
      float = await loadTextClassifier(ort as never, fx.folder, { onnx: { sessionOptions: { intraOpNumThreads: 1 } } });
      quantized = await loadTextClassifier(ort as never, fx.folder, { quantized: true, onnx: { sessionOptions: { intraOpNumThreads: 1 } } });
    });
    afterAll(() => {
      float?.dispose();
      quantized?.dispose();
    });

    it('tokenises the texts into the ids Captum was given; labels from config.json; pad id from the tokenizer or config', () => {
      const batch = float.encode(fx.meta.texts);
      expect(Array.from(batch.ids.data)).toEqual(Array.from(fx.arrays.input_ids!.data));
      expect(float.labels).toEqual(['negative', 'neutral', 'positive']);
      expect(float.padId).toBe(fx.meta.padTokenId);
      expect(float.quantization).toEqual([]);
      expect(float.gradientError).toBeUndefined();
    });

    it('logits, gradient L2, gradient x embedding, integrated gradients (pad and mask baselines) and token occlusion', async () => {
      const batch = float.encode(fx.meta.texts);
      const ids = batch.ids;
      const common = { target: fx.target, padTokenId: float.padId ?? undefined } as const;
      const prediction = await float.predict(batch);
      expect(worstMapError(prediction.logits.data, fx.arrays.logits!.data, 2)).toBeLessThan(tolerance(fx, 'logits'));

      const l2 = await tokenGradL2.attribute(float.model, ids, common);
      expect(worstMapError(l2.values.data, maskedRef(fx, 'token_grad_l2'), 2)).toBeLessThan(tolerance(fx, 'token_grad_l2'));
      const gxe = await tokenGradXEmbedding.attribute(float.model, ids, common);
      expect(worstMapError(gxe.values.data, maskedRef(fx, 'token_grad_x_emb'), 2)).toBeLessThan(tolerance(fx, 'token_grad_x_emb'));
      const ig = await tokenIntegratedGradients.attribute(float.model, ids, { ...common, steps: 16, quadrature: 'gauss-legendre' });
      expect(worstMapError(ig.values.data, maskedRef(fx, 'token_ig'), 2)).toBeLessThan(tolerance(fx, 'token_ig'));
      if (fx.meta.maskTokenId !== null) {
        expect(float.specialIds.mask).toBe(fx.meta.maskTokenId);
        const igMask = await tokenIntegratedGradients.attribute(float.model, ids, { ...common, steps: 16, baselineTokenId: fx.meta.maskTokenId });
        expect(worstMapError(igMask.values.data, maskedRef(fx, 'token_ig_mask'), 2)).toBeLessThan(tolerance(fx, 'token_ig_mask'));
      }
      const pad = fx.meta.padTokenId;
      const one = await occlusion.attribute(float.model, ids, { target: fx.target, window: [1], stride: [1], baseline: pad });
      expect(worstMapError(one.values.data, fx.arrays.token_ablation_pad!.data, 2)).toBeLessThan(tolerance(fx, 'token_ablation_pad'));
      const two = await occlusion.attribute(float.model, ids, { target: fx.target, window: [2], stride: [1], baseline: pad });
      expect(worstMapError(two.values.data, fx.arrays.token_occlusion2_pad!.data, 2)).toBeLessThan(tolerance(fx, 'token_occlusion2_pad'));
    }, 60_000);

    it('quantized (onnx/model_quantized.onnx): token occlusion matches Captum run through onnxruntime', async () => {
      expect(quantized.quantization.map((q) => q.op)).toEqual(expect.arrayContaining(['DynamicQuantizeLinear', 'MatMulInteger']));
      const batch = quantized.encode(fx.meta.texts);
      const prediction = await quantized.predict(batch);
      expect(worstMapError(prediction.logits.data, fx.arrays.quantized_logits!.data, 2)).toBeLessThan(1e-5);
      const pad = fx.meta.padTokenId;
      const one = await occlusion.attribute(quantized.model, batch.ids, { target: fx.target, window: [1], stride: [1], baseline: pad });
      expect(worstMapError(one.values.data, fx.arrays.quantized_ablation_pad!.data, 2)).toBeLessThan(1e-4);
      const two = await occlusion.attribute(quantized.model, batch.ids, { target: fx.target, window: [2], stride: [1], baseline: pad });
      expect(worstMapError(two.values.data, fx.arrays.quantized_occlusion2_pad!.data, 2)).toBeLessThan(1e-4);
    }, 60_000);

    it('quantized: gradient methods stop before any work with an error naming the op and the float model', async () => {
      const error = quantized.gradientError as QuantizedModelError;
      expect(error).toBeInstanceOf(QuantizedModelError);
      expect(error).toBeInstanceOf(GradientsUnavailableError);
      expect(error.code).toBe('UNSUPPORTED_OP');
      expect(['DynamicQuantizeLinear', 'MatMulInteger', 'DequantizeLinear']).toContain(error.op);
      expect(error.message).toMatch(/quantized.*MatMulInteger.*float model.*onnx\/model\.onnx/s);
      expect(() => quantized.assertGradients()).toThrow(QuantizedModelError);
      const ids = quantized.encode(fx.meta.texts[0]!).ids;
      let calls = 0;
      const run = quantized.model.run.bind(quantized.model);
      const counted = {
        ...quantized.model,
        run: (r: never) => {
          calls++;
          return run(r);
        },
      } as typeof quantized.model;
      await expect(tokenGradL2.attribute(counted, ids, { target: 0 })).rejects.toThrow(/quantized.*MatMulInteger.*float model/s);
      expect(calls).toBe(0);
      await expect(quantized.model.run({ input: ids, outputs: ['embeddingGradients'], target: [0] } as never)).rejects.toBeInstanceOf(QuantizedModelError);
    });
  });
}

/** Captum scores padding too (its gradients there are real); token-saliency gives padding 0. */
function maskedRef(fx: TextFixture, name: string): Float32Array {
  const ref = Float32Array.from(fx.arrays[name]!.data);
  const mask = fx.arrays.attention_mask!.data;
  for (let i = 0; i < ref.length; i++) if (mask[i] === 0) ref[i] = 0;
  return ref;
}
