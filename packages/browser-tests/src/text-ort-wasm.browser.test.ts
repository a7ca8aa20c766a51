import type { TensorData } from '@salience/core';
import { occlusion } from '@salience/occlusion';
import { compareMaps, type FixtureArray, parseFixtureArrays } from '@salience/testing';
import { loadTextClassifier, type TextClassifier } from '@salience/text';
import { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients } from '@salience/token-saliency';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import casesUrl from '../../text/fixtures/bert/cases.json?url';
import { configureOrt, sessionOptions } from './ort-runtime.js';
import { PrecisionLog } from './precision-log.js';
import { CPU_TOLERANCE } from './tolerance.js';

/**
 * A transformers.js / Optimum folder (packages/text/fixtures/bert: config.json, tokenizer.json,
 * onnx/model.onnx, onnx/model_quantized.onnx) opened by URL in the page: tokenised in the browser by
 * @salience/text, run on onnxruntime-web's wasm backend, and compared with Captum's references for
 * that folder (the ones the Node tests on onnxruntime-node meet), 1e-4 of each map's max.
 */
const folder = new URL('./', new URL(casesUrl, location.href));
const log = new PrecisionLog('browser-text-ort-wasm');

/** cases.json / cases.bin of a text folder (written by tools/export-text-folder.py). */
interface TextCase {
  readonly arrays: Readonly<Record<string, FixtureArray>>;
  readonly meta: {
    readonly texts: string[];
    readonly padTokenId: number;
    readonly maskTokenId: number | null;
    readonly tokens: string[][];
    readonly ids: number[][];
    readonly offsets: [number, number][][];
    readonly specialTokensMask: number[][];
  };
  readonly target: number[];
}

async function fetchTextCase(base: URL): Promise<TextCase> {
  const [manifest, bin] = await Promise.all(['cases.json', 'cases.bin'].map(async (name) => (await fetch(new URL(name, base))).arrayBuffer()));
  const { arrays, meta } = parseFixtureArrays(new TextDecoder().decode(manifest), bin);
  return { arrays, meta: meta as unknown as TextCase['meta'], target: Array.from(arrays.target.data) };
}

let fx: TextCase;
let float: TextClassifier;
let quantized: TextClassifier;

beforeAll(async () => {
  const ort = configureOrt();
  fx = await fetchTextCase(folder);
  const onnx = { sessionOptions: sessionOptions('wasm') };
  float = await loadTextClassifier(ort as never, folder, { onnx });
  quantized = await loadTextClassifier(ort as never, folder, { quantized: true, onnx });
});

afterAll(async () => {
  float?.dispose();
  quantized?.dispose();
  await log.flush();
});

/** Captum scores padding too (its gradients there are real); token-saliency gives padding 0. */
function masked(name: string): TensorData {
  const ref = fx.arrays[name];
  const mask = fx.arrays.attention_mask.data;
  return { data: Float32Array.from(ref.data, (v, i) => (mask[i] === 0 ? 0 : v)), shape: ref.shape };
}

function expectClose(check: string, actual: TensorData, expected: TensorData): void {
  expect(Array.from(actual.shape), check).toEqual(Array.from(expected.shape));
  const comparison = compareMaps(actual, expected);
  log.record('wasm', 'bert', check, comparison, CPU_TOLERANCE);
  expect(comparison.relativeError, check).toBeLessThanOrEqual(CPU_TOLERANCE);
}

describe('a text classifier folder in Chromium on onnxruntime-web wasm (BERT fixture)', () => {
  it("tokenises in the page as Python's tokenizers did: ids, tokens, offsets, special tokens; labels and pad from the folder", () => {
    const batch = float.encode(fx.meta.texts);
    expect(Array.from(batch.ids.data)).toEqual(Array.from(fx.arrays.input_ids.data));
    expect(Array.from(batch.ids.shape)).toEqual(Array.from(fx.arrays.input_ids.shape));
    for (const [i, text] of batch.texts.entries()) {
      expect(text.ids).toEqual(fx.meta.ids[i]);
      expect(text.tokens).toEqual(fx.meta.tokens[i]);
      expect(text.offsets.map((o) => [...o])).toEqual(fx.meta.offsets[i]);
      expect(text.special.map(Number)).toEqual(fx.meta.specialTokensMask[i]);
      // every non-special token is the text's own characters (BERT lowercases and strips accents)
      for (const [t, [start, end]] of text.offsets.entries()) {
        if (!text.special[t]) expect(text.text.slice(start, end).toLowerCase().normalize('NFD').replace(/\p{M}/gu, '')).toBe(text.tokens[t].replace(/^##/, ''));
      }
    }
    expect(float.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(float.padId).toBe(fx.meta.padTokenId);
    expect(float.specialIds.mask).toBe(fx.meta.maskTokenId);
    expect(float.quantization).toEqual([]);
  });

  it("logits, gradient L2, gradient x embedding and integrated gradients (pad and mask baselines) equal Captum's", async () => {
    const batch = float.encode(fx.meta.texts);
    const ids = batch.ids;
    const common = { target: fx.target, padTokenId: fx.meta.padTokenId, tokens: batch.tokens } as const;
    const prediction = await float.predict(batch);
    expectClose('logits', prediction.logits, fx.arrays.logits);
    const l2 = await tokenGradL2.attribute(float.model, ids, common);
    expectClose('gradient L2', l2.values, masked('token_grad_l2'));
    const gxe = await tokenGradXEmbedding.attribute(float.model, ids, common);
    expectClose('gradient x embedding', gxe.values, masked('token_grad_x_emb'));
    expect(gxe.tokens).toEqual(batch.tokens);
    const ig = await tokenIntegratedGradients.attribute(float.model, ids, { ...common, steps: 16, quadrature: 'gauss-legendre' });
    expectClose('IG pad baseline (GL 16)', ig.values, masked('token_ig'));
    const igMask = await tokenIntegratedGradients.attribute(float.model, ids, { ...common, steps: 16, baselineTokenId: fx.meta.maskTokenId ?? 0 });
    expectClose('IG mask baseline (GL 16)', igMask.values, masked('token_ig_mask'));
  });

  it("token occlusion (window 1 and 2, pad) on the float and the quantized model equals Captum's FeatureAblation / Occlusion", async () => {
    const ids = float.encode(fx.meta.texts).ids;
    const pad = fx.meta.padTokenId;
    const one = await occlusion.attribute(float.model, ids, { target: fx.target, window: [1], stride: [1], baseline: pad });
    expectClose('occlusion window 1', one.values, fx.arrays.token_ablation_pad);
    const two = await occlusion.attribute(float.model, ids, { target: fx.target, window: [2], stride: [1], baseline: pad });
    expectClose('occlusion window 2', two.values, fx.arrays.token_occlusion2_pad);
    // transformers.js's default download: forward-only, gradients refused before any work
    expect(quantized.quantization.map((q) => q.op)).toEqual(expect.arrayContaining(['DynamicQuantizeLinear', 'MatMulInteger']));
    expect(() => quantized.assertGradients()).toThrow(/quantized.*float model/s);
    const q = await occlusion.attribute(quantized.model, ids, { target: fx.target, window: [1], stride: [1], baseline: pad });
    expectClose('quantized occlusion window 1', q.values, fx.arrays.quantized_ablation_pad);
  });
});
