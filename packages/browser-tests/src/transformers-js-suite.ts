import type { TextClassificationPipeline } from '@huggingface/transformers';
import { occlusion } from '@salience/occlusion';
import { fromTransformersJs, loadTextClassifier, type TextClassifier } from '@salience/text';
import { tokenGradXEmbedding, tokenIntegratedGradients } from '@salience/token-saliency';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { commands } from 'vitest/browser';
import casesUrl from '../../text/fixtures/bert/cases.json?url';
import { configureOrt, sessionOptions } from './ort-runtime.js';
import { TEXT_CASE } from './text-maps.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL path of transformers.js's own onnxruntime-web dist/ on the test server (vitest.config.ts). */
    transformersOrtDist: string;
  }
}

/**
 * Which onnxruntime-web transformers.js runs on: `own`, the build it depends on (what a user gets
 * from `npm install @huggingface/transformers`), or `shared`, ours, handed over as transformers.js
 * reads it from `globalThis[Symbol.for('onnxruntime')]`; then `fromTransformersJs` reuses the
 * pipeline's own session.
 */
export type TransformersOrt = 'own' | 'shared';

/** The BERT fixture folder (packages/text/fixtures/bert), served by the test server. */
const folder = new URL('./', new URL(casesUrl, location.href));
const TEXTS = TEXT_CASE.texts;
const TARGET = [...TEXT_CASE.target];
/** The bar of issue 15: the transformers.js path gives the folder path's numbers within 1e-6. */
const SAME = 1e-6;

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

/**
 * What a transformers.js user holds, in the page: a text-classification pipeline that
 * @huggingface/transformers loaded from local files only (remote loading off, every request it makes
 * checked to stay on the test server), turned into a salience model by `fromTransformersJs`; its
 * numbers must be the folder path's (`loadTextClassifier`) within 1e-6.
 */
export function describeTransformersJs(which: TransformersOrt): void {
  const ort = configureOrt();
  /** Every URL transformers.js asked for; any other origin is refused. */
  const requested: string[] = [];
  const measured: Record<string, number> = {};
  let sessionsCreated = 0;
  let transformers: typeof import('@huggingface/transformers');
  let classify: TextClassificationPipeline;
  let fromPipeline: TextClassifier;
  let fromFolder: TextClassifier;
  let created: { pipeline: number; fromPipeline: number; fromFolder: number };

  beforeAll(async () => {
    // transformers.js picks its onnxruntime when its module is evaluated: hand ours over before the import
    if (which === 'shared') (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = ort;
    transformers = await import('@huggingface/transformers');
    const { env } = transformers;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = new URL('../', folder).pathname;
    env.useBrowserCache = false;
    env.useWasmCache = false;
    env.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input), location.href);
      requested.push(url.href);
      if (url.origin !== location.origin) return Promise.reject(new Error(`offline test: refused ${url.href}`));
      return fetch(url, init);
    };
    const onnx = env.backends.onnx as { wasm: { wasmPaths?: unknown; numThreads?: number } };
    if (which === 'own') {
      const dist = inject('transformersOrtDist');
      onnx.wasm.wasmPaths = { mjs: `${dist}ort-wasm-simd-threaded.asyncify.mjs`, wasm: `${dist}ort-wasm-simd-threaded.asyncify.wasm` };
    }
    onnx.wasm.numThreads = 1;
    // counts the sessions of our onnxruntime-web: a reused pipeline session is one fewer
    const create = ort.InferenceSession.create.bind(ort.InferenceSession);
    (ort.InferenceSession as { create: unknown }).create = (...args: Parameters<typeof create>) => {
      sessionsCreated++;
      return create(...args);
    };
    const options = { folder, onnx: { sessionOptions: sessionOptions('wasm') } };
    // transformers.js lists no devices for an onnxruntime handed over ('wasm' is refused): 'auto', and the provider in the session options
    const device = which === 'own' ? { device: 'wasm' as const } : { device: 'auto' as const, session_options: sessionOptions('wasm') };
    classify = (await transformers.pipeline('text-classification', 'bert', { dtype: 'fp32', ...device })) as TextClassificationPipeline;
    const afterPipeline = sessionsCreated;
    fromPipeline = await fromTransformersJs(ort as never, classify as never, options);
    await fromPipeline.predict(fromPipeline.encode(TEXTS));
    const afterFromPipeline = sessionsCreated;
    fromFolder = await loadTextClassifier(ort as never, folder, options);
    await fromFolder.predict(fromFolder.encode(TEXTS));
    created = { pipeline: afterPipeline, fromPipeline: afterFromPipeline - afterPipeline, fromFolder: sessionsCreated - afterFromPipeline };
  });

  afterAll(async () => {
    fromPipeline?.dispose();
    fromFolder?.dispose();
    await classify?.dispose();
    const line = Object.entries(measured).map(([k, v]) => `${k} ${v.toExponential(2)}`);
    console.log(`transformers.js (${which} onnxruntime-web ${transformers?.env.backends.onnx.versions?.web}) vs the folder path, max |diff|: ${line.join(', ')}`);
    await commands.writeFile(`.reports/browser-transformers-js-${which}-ort.json`, JSON.stringify({ created, measured }, null, 1));
  });

  describe(`transformers.js in Chromium on ${which === 'own' ? 'its own' : 'our'} onnxruntime-web, local files only`, () => {
    it('loaded the folder from the test server only', () => {
      expect(requested.filter((u) => new URL(u).origin !== location.origin)).toEqual([]);
      expect(requested.some((u) => u.endsWith('/bert/onnx/model.onnx'))).toBe(true);
      expect(requested.some((u) => u.endsWith('/bert/tokenizer.json'))).toBe(true);
      const version = transformers.env.backends.onnx.versions?.web;
      if (which === 'own') {
        expect(version).not.toBe(ort.env.versions.web);
        expect(created.pipeline).toBe(0);
        // a session of another onnxruntime module cannot run our tensors: the file is opened again
        expect(created.fromPipeline).toBe(created.fromFolder);
      } else {
        expect(version).toBe(ort.env.versions.web);
        expect(created.pipeline).toBeGreaterThan(0);
        // the pipeline's session is reused: one session fewer than opening the folder
        expect(created.fromPipeline).toBe(created.fromFolder - 1);
      }
    });

    it('same ids as its tokenizer; same probabilities as its pipeline (1e-6)', async () => {
      expect(fromPipeline.labels).toEqual(fromFolder.labels);
      expect(fromPipeline.padId).toBe(fromFolder.padId);
      const ours = fromPipeline.encode(TEXTS);
      expect(Array.from(ours.ids.data)).toEqual(Array.from(fromFolder.encode(TEXTS).ids.data));
      const prediction = await fromPipeline.predict(ours);
      const folderPrediction = await fromFolder.predict(ours);
      measured.probabilities = maxDiff(prediction.probabilities.data, folderPrediction.probabilities.data);
      let pipelineScores = 0;
      for (const [i, text] of TEXTS.entries()) {
        const theirs = await classify.tokenizer(text);
        expect(Array.from(theirs.input_ids.data as BigInt64Array, Number)).toEqual(ours.texts[i]!.ids);
        const scores = (await classify(text, { top_k: 3 })) as { label: string; score: number }[];
        expect(scores.length).toBe(3);
        for (const { label, score } of scores) {
          const c = fromPipeline.labels?.indexOf(label) ?? -1;
          expect(c, label).toBeGreaterThanOrEqual(0);
          pipelineScores = Math.max(pipelineScores, Math.abs(score - folderPrediction.probabilities.data[i * 3 + c]!));
        }
      }
      measured.pipelineScores = pipelineScores;
      expect(measured.probabilities).toBeLessThanOrEqual(SAME);
      expect(pipelineScores).toBeLessThanOrEqual(SAME);
    });

    // Gradients come from a graph built from the ONNX bytes on both paths; the forward pass of the
    // shared variant runs in the pipeline's own session. Gradient methods run on the shared variant
    // only (building the gradient graph is most of a text test's time here).
    const what = which === 'shared' ? 'gradient x embedding, integrated gradients and token occlusion equal' : 'token occlusion equals';
    it(`${what} the folder path (1e-6)`, async () => {
      const ids = fromPipeline.encode(TEXTS).ids;
      const options = { target: TARGET, padTokenId: fromFolder.padId ?? 0 };
      const pairs: Record<string, (m: TextClassifier) => Promise<{ values: { data: ArrayLike<number> } }>> = {
        occlusion: (m) => occlusion.attribute(m.model, ids, { target: TARGET, window: [1], baseline: 0 }),
      };
      if (which === 'shared') {
        pairs.gradXEmbedding = (m) => tokenGradXEmbedding.attribute(m.model, ids, options);
        pairs.integratedGradients = (m) => tokenIntegratedGradients.attribute(m.model, ids, { ...options, steps: 8 });
      }
      for (const [name, run] of Object.entries(pairs)) {
        const [a, b] = [await run(fromPipeline), await run(fromFolder)];
        measured[name] = maxDiff(a.values.data, b.values.data);
        expect(measured[name], name).toBeLessThanOrEqual(SAME);
      }
    });
  });
}
