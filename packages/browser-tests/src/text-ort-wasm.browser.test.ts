import type { TensorData } from '@salience/core';
import { occlusion } from '@salience/occlusion';
import { compareMaps, type FixtureArray, parseFixtureArrays } from '@salience/testing';
import { loadTextClassifier, type TextClassifier } from '@salience/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import casesUrl from '../../text/fixtures/bert/cases.json?url';
import { configureOrt, sessionOptions } from './ort-runtime.js';
import { PrecisionLog } from './precision-log.js';
import { type PlainTextMaps, TEXT_CASE, TEXT_MAPS, type TextMapName, textMaps } from './text-maps.js';
import { CPU_TOLERANCE } from './tolerance.js';

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** The same maps on onnxruntime-node, from the folder on disk (vitest.config.ts). */
    textMapsInNode: () => Promise<PlainTextMaps>;
  }
}

/**
 * A transformers.js / Optimum folder (packages/text/fixtures/bert: config.json, tokenizer.json,
 * onnx/model.onnx, onnx/model_quantized.onnx) opened by URL in the page: tokenised in the browser by
 * @salience/text, run on onnxruntime-web's wasm backend, and compared with what Node computes from
 * the same folder on onnxruntime-node and with Captum's references for it, 1e-4 of each map's max.
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
  const [manifest, bin] = (await Promise.all(['cases.json', 'cases.bin'].map(async (name) => (await fetch(new URL(name, base))).arrayBuffer()))) as [ArrayBuffer, ArrayBuffer];
  const { arrays, meta } = parseFixtureArrays(new TextDecoder().decode(manifest), bin);
  return { arrays, meta: meta as unknown as TextCase['meta'], target: Array.from(arrays.target!.data) };
}

let fx: TextCase;
let float: TextClassifier;
let quantized: TextClassifier;
let page: Record<TextMapName, TensorData>;
let node: PlainTextMaps;

beforeAll(async () => {
  const ort = configureOrt();
  fx = await fetchTextCase(folder);
  const onnx = { sessionOptions: sessionOptions('wasm') };
  float = await loadTextClassifier(ort as never, folder, { onnx });
  quantized = await loadTextClassifier(ort as never, folder, { quantized: true, onnx });
  expect(fx.meta.texts).toEqual(TEXT_CASE.texts);
  expect(fx.target).toEqual(TEXT_CASE.target);
  page = await textMaps(float, TEXT_CASE.texts, TEXT_CASE.target);
  node = await commands.textMapsInNode();
});

afterAll(async () => {
  float?.dispose();
  quantized?.dispose();
  await log.flush();
});

/** Captum scores padding too (its gradients there are real); token-saliency gives padding 0. */
function captum(name: TextMapName): TensorData {
  const ref = fx.arrays[name]!;
  if (name === 'logits' || name.startsWith('token_ablation') || name.startsWith('token_occlusion')) return ref;
  const mask = fx.arrays.attention_mask!.data;
  return { data: Float32Array.from(ref.data, (v, i) => (mask[i] === 0 ? 0 : v)), shape: ref.shape };
}

function expectClose(against: string, check: string, actual: TensorData, expected: TensorData): void {
  expect(Array.from(actual.shape), check).toEqual(Array.from(expected.shape));
  const comparison = compareMaps(actual, expected);
  log.record(against, 'bert', check, comparison, CPU_TOLERANCE);
  expect(comparison.relativeError, `${check} vs ${against}`).toBeLessThanOrEqual(CPU_TOLERANCE);
}

describe('a text classifier folder in Chromium on onnxruntime-web wasm (BERT fixture)', () => {
  it("tokenises in the page as Python's tokenizers and as Node did: ids, tokens, offsets, special tokens; labels and pad from the folder", () => {
    const batch = float.encode(fx.meta.texts);
    expect(Array.from(batch.ids.data)).toEqual(Array.from(fx.arrays.input_ids!.data));
    expect(Array.from(batch.ids.shape)).toEqual(Array.from(fx.arrays.input_ids!.shape));
    expect(Array.from(batch.ids.data)).toEqual(node.ids);
    expect(batch.texts.map((t) => [...t.tokens])).toEqual(node.tokens);
    expect(batch.texts.map((t) => t.offsets.map((o) => [...o]))).toEqual(node.offsets);
    for (const [i, text] of batch.texts.entries()) {
      expect(text.ids).toEqual(fx.meta.ids[i]);
      expect(text.tokens).toEqual(fx.meta.tokens[i]);
      expect(text.offsets.map((o) => [...o])).toEqual(fx.meta.offsets[i]);
      expect(text.special.map(Number)).toEqual(fx.meta.specialTokensMask[i]);
      // every other token is the text's own characters (BERT lowercases and strips accents)
      for (const [t, [start, end]] of text.offsets.entries()) {
        if (!text.special[t]) expect(text.text.slice(start, end).toLowerCase().normalize('NFD').replace(/\p{M}/gu, '')).toBe(text.tokens[t]!.replace(/^##/, ''));
      }
    }
    expect(float.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(float.padId).toBe(fx.meta.padTokenId);
    expect(float.specialIds.mask).toBe(fx.meta.maskTokenId);
    expect(float.quantization).toEqual([]);
  });

  it('logits, gradient L2, gradient x embedding, integrated gradients (pad and mask baselines) and token occlusion (window 1 and 2) equal Node and Captum', () => {
    expect(node.runtime).toMatch(/^onnxruntime-node/);
    for (const name of TEXT_MAPS) {
      const fromNode = { data: Float32Array.from(node.maps[name].data), shape: node.maps[name].shape };
      expectClose('node', name, page[name], fromNode);
      expectClose('captum', name, page[name], captum(name));
    }
  });

  it("the quantized model (transformers.js's default download): gradients refused before any work, token occlusion equals Captum's on onnxruntime", async () => {
    const ids = quantized.encode(fx.meta.texts).ids;
    expect(quantized.quantization.map((q) => q.op)).toEqual(expect.arrayContaining(['DynamicQuantizeLinear', 'MatMulInteger']));
    expect(() => quantized.assertGradients()).toThrow(/quantized.*float model/s);
    const q = await occlusion.attribute(quantized.model, ids, { target: fx.target, window: [1], stride: [1], baseline: fx.meta.padTokenId });
    expectClose('captum', 'quantized_ablation_pad', q.values, fx.arrays.quantized_ablation_pad!);
  });
});
