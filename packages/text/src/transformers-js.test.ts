import { AutoModelForSequenceClassification, AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { occlusion } from '@salience/occlusion';
import { tokenGradXEmbedding, tokenIntegratedGradients } from '@salience/token-saliency';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { folderPath, loadTextFixture, TEXT_FOLDERS } from '../test/fixtures.js';
import { loadTextClassifier } from './text-classifier.js';
import { fromTransformersJs, transformersJsModelFile } from './transformers-js.js';

// transformers.js on local files only: the fixture folders, no remote loading.
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = `${folderPath('bert').replace(/bert$/, '')}`;

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe("fromTransformersJs: what a transformers.js user holds gives the folder path's numbers", () => {
  // transformers.js has no GPT-2 sequence classifier ("Unsupported model type: gpt2"): GPT-2 folders open with loadTextClassifier.
  for (const name of TEXT_FOLDERS.filter((n) => n !== 'gpt2')) {
    it(`${name}: a text-classification pipeline (fp32)`, async () => {
      const fx = await loadTextFixture(name);
      const classify = await pipeline('text-classification', name, { dtype: 'fp32' });
      const fromPipeline = await fromTransformersJs(ort as never, classify as never, { folder: fx.folder });
      const fromFolder = await loadTextClassifier(ort as never, fx.folder);
      try {
        expect(fromPipeline.labels).toEqual(fromFolder.labels);
        expect(fromPipeline.padId).toBe(fromFolder.padId);
        const a = fromPipeline.encode(fx.meta.texts);
        const b = fromFolder.encode(fx.meta.texts);
        expect(Array.from(a.ids.data)).toEqual(Array.from(b.ids.data));
        // transformers.js tokenises the same way
        const theirs = await classify.tokenizer(fx.meta.texts[0]!);
        expect(Array.from(theirs.input_ids.data as BigInt64Array, Number)).toEqual(a.texts[0]!.ids);
        // and predicts what the salience model predicts
        const top = (await classify(fx.meta.texts[0]!, { top_k: 1 })) as { label: string; score: number }[];
        const ours = await fromPipeline.predict(fromPipeline.encode(fx.meta.texts[0]!));
        expect(top[0]!.label).toBe(fromPipeline.labels?.[ours.predicted[0]!]);
        expect(Math.abs(top[0]!.score - ours.probabilities.data[ours.predicted[0]!]!)).toBeLessThan(1e-6);

        const options = { target: fx.target, padTokenId: fromFolder.padId ?? undefined };
        const gx = await tokenGradXEmbedding.attribute(fromPipeline.model, a.ids, options);
        const gy = await tokenGradXEmbedding.attribute(fromFolder.model, b.ids, options);
        expect(maxDiff(gx.values.data, gy.values.data)).toBeLessThanOrEqual(1e-6);
        const ix = await tokenIntegratedGradients.attribute(fromPipeline.model, a.ids, { ...options, steps: 8 });
        const iy = await tokenIntegratedGradients.attribute(fromFolder.model, b.ids, { ...options, steps: 8 });
        expect(maxDiff(ix.values.data, iy.values.data)).toBeLessThanOrEqual(1e-6);
      } finally {
        fromPipeline.dispose();
        fromFolder.dispose();
        await classify.dispose();
      }
    }, 60_000);
  }

  it('{ model, tokenizer } loaded with dtype q8: the quantized file, forward-only, same occlusion as the folder', async () => {
    const fx = await loadTextFixture('distilbert');
    const model = await AutoModelForSequenceClassification.from_pretrained('distilbert', { dtype: 'q8' });
    const tokenizer = await AutoTokenizer.from_pretrained('distilbert');
    const loaded = await fromTransformersJs(ort as never, { model, tokenizer } as never, { folder: fx.folder });
    const folder = await loadTextClassifier(ort as never, fx.folder, { quantized: true });
    try {
      expect(loaded.modelFile).toMatch(/onnx\/model_quantized\.onnx$/);
      expect(loaded.gradientError?.name).toBe('QuantizedModelError');
      const ids = loaded.encode(fx.meta.texts).ids;
      const x = await occlusion.attribute(loaded.model, ids, { target: fx.target, window: [1], baseline: 0 });
      const y = await occlusion.attribute(folder.model, ids, { target: fx.target, window: [1], baseline: 0 });
      expect(maxDiff(x.values.data, y.values.data)).toBeLessThanOrEqual(1e-6);
    } finally {
      loaded.dispose();
      folder.dispose();
      await model.dispose();
    }
  }, 60_000);

  it('GPT-2 classifiers are not a transformers.js pipeline; the folder path opens them', async () => {
    await expect(pipeline('text-classification', 'gpt2', { dtype: 'fp32' })).rejects.toThrow(/Unsupported model type: gpt2/);
    const gpt2 = await loadTextClassifier(ort as never, folderPath('gpt2'));
    expect(gpt2.labels).toEqual(['negative', 'neutral', 'positive']);
    gpt2.dispose();
  });

  it('says what it needs when no folder or ONNX file is given; knows the dtype file names', async () => {
    await expect(fromTransformersJs(ort as never, { model: { sessions: {} } } as never)).rejects.toThrow(/pass `folder`.*or `onnxModel`/);
    await expect(fromTransformersJs(ort as never, {} as never)).rejects.toThrow(/pipeline/);
    expect(transformersJsModelFile('fp32')).toBe('onnx/model.onnx');
    expect(transformersJsModelFile('q8')).toBe('onnx/model_quantized.onnx');
    expect(() => transformersJsModelFile('q3')).toThrow(/Unknown transformers.js dtype/);
  });
});
