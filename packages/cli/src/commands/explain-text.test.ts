import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFixtureArrays } from '@salience/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import { parseCsv } from '../inputs/texts.js';

const fixtures = fileURLToPath(new URL('../../../text/fixtures/', import.meta.url));
const distilbert = `${fixtures}distilbert`;

/** The Captum references of the distilbert folder (tools/export-text-folder.py). */
function captum() {
  const { arrays, meta } = parseFixtureArrays(readFileSync(`${distilbert}/cases.json`, 'utf8'), readFileSync(`${distilbert}/cases.bin`));
  return { arrays, texts: meta.texts as string[], target: Array.from(arrays.target!.data) };
}

/** max |got - want| / max |want| over one row of a [2, T] reference (text 1 is the longest, so unpadded). */
function rowError(got: ArrayLike<number>, want: Float32Array, t: number): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < t; i++) {
    scale = Math.max(scale, Math.abs(want[i]!));
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
  }
  return err / scale;
}

describe('salience explain --text (a transformers.js folder)', () => {
  const tmp = scratch('salience-text-');
  afterAll(() => tmp.remove());
  const ref = captum();
  const labels = ['negative', 'neutral', 'positive'];

  it('every text method runs and writes <method>.json/.npy per text, report.html and summary.json, at Captum parity', async () => {
    const out = tmp.path('two');
    const run = await salience([
      'explain',
      '--model',
      distilbert,
      '--text',
      ref.texts[0]!,
      '--text',
      ref.texts[1]!,
      '--target',
      labels[ref.target[0]!]!,
      '--steps',
      '16',
      '--out',
      out,
    ]);
    expect(run.stderr).not.toMatch(/token-saliency|gradient rule|no tokens/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/text-1 {2}"The film was not good, honestly\."/);
    expect(run.stdout).toMatch(/prediction\s+\w+ 0\.\d\d/);
    for (const method of ['gradient', 'grad-x-embedding', 'ig', 'ig-mask', 'occlusion']) {
      expect(existsSync(`${out}/text-1/${method}.npy`)).toBe(true);
      expect(existsSync(`${out}/text-2/${method}.json`)).toBe(true);
    }
    const t = ref.arrays.input_ids!.shape[1]!;
    const pairs: [string, string][] = [
      ['gradient', 'token_grad_l2'],
      ['grad-x-embedding', 'token_grad_x_emb'],
      ['ig', 'token_ig'],
      ['ig-mask', 'token_ig_mask'],
      ['occlusion', 'token_ablation_pad'],
    ];
    for (const [method, reference] of pairs) {
      const got = readNpyFile(`${out}/text-1/${method}.npy`);
      expect(got.shape).toEqual([t]);
      expect(rowError(got.data, ref.arrays[reference]!.data.subarray(0, t), t), method).toBeLessThan(1e-4);
    }
    const json = JSON.parse(readFileSync(`${out}/text-1/ig.json`, 'utf8'));
    expect(json.tokens).toEqual(['[CLS]', 'the', 'film', 'was', 'not', 'good', ',', 'honestly', '.', '[SEP]']);
    expect(json.offsets[2]).toEqual([4, 8]);
    expect(json.text.slice(...json.offsets[2])).toBe('film');
    expect(json.target).toEqual({ index: ref.target[0], label: labels[ref.target[0]!] });
    expect(Object.keys(json.prediction.probabilities)).toEqual(labels);
    expect(json.parameters).toMatchObject({ steps: 16, baselineTokenId: 0 });
    const html = readFileSync(`${out}/report.html`, 'utf8');
    expect(html).toContain('salience-token');
    expect(html).toContain('salience-legend');
    expect(html).toMatch(/\d+\.\d% <b>predicted<\/b>/);
    const summary = JSON.parse(readFileSync(`${out}/summary.json`, 'utf8'));
    expect(summary.texts).toHaveLength(2);
    expect(summary.classes).toEqual(labels);
  }, 60_000);

  it('--texts .jsonl (with labels, --target label), .csv and .txt', async () => {
    const jsonl = tmp.path('texts.jsonl');
    writeFileSync(jsonl, `${JSON.stringify({ text: 'the plot was dull', label: 'negative' })}\n\n${JSON.stringify({ text: 'a wonderful film!', label: 'positive' })}\n`);
    const run = await salience(['explain', '--model', distilbert, '--texts', jsonl, '--target', 'label', '--method', 'gradient,occlusion', '--out', tmp.path('jsonl'), '--json']);
    expect(run.code).toBe(0);
    const summary = run.json<{ texts: { target: { label: string }; label: string }[]; methods: { name: string }[] }>();
    expect(summary.texts.map((t) => t.target.label)).toEqual(['negative', 'positive']);
    expect(summary.methods.map((m) => m.name)).toEqual(['gradient', 'occlusion']);
    const csv = tmp.path('texts.csv');
    writeFileSync(csv, 'id,text,label\n1,"the film, honestly, was ""fine""",neutral\n2,slow and boring,negative\n');
    const fromCsv = await salience(['explain', '--model', distilbert, '--texts', csv, '--method', 'occlusion', '--window', '2', '--out', tmp.path('csv'), '--json']);
    expect(fromCsv.code).toBe(0);
    expect(fromCsv.json<{ texts: { text: string }[] }>().texts[0]!.text).toBe('the film, honestly, was "fine"');
    const txt = tmp.path('texts.txt');
    writeFileSync(txt, 'first text\n\nsecond text\nthird\n');
    const fromTxt = await salience(['explain', '--model', distilbert, '--texts', txt, '--method', 'grad-x-embedding', '--out', tmp.path('txt'), '--json']);
    expect(fromTxt.code).toBe(0);
    expect(fromTxt.json<{ texts: unknown[] }>().texts).toHaveLength(3);
    expect(parseCsv('a,"b\nc"\r\n1,2')).toEqual([
      ['a', 'b\nc'],
      ['1', '2'],
    ]);
  }, 60_000);

  it('a quantized model: occlusion runs; a gradient method stops before any work, naming the op and the float model (exit 6)', async () => {
    const quantized = `${fixtures}roberta/onnx/model_quantized.onnx`; // tokenizer.json found one folder up
    const ok = await salience(['explain', '--model', quantized, '--text', 'a charming café!', '--method', 'occlusion', '--out', tmp.path('q-ok'), '--json']);
    expect(ok.code).toBe(0);
    expect(ok.json<{ quantized: string[] }>().quantized).toContain('MatMulInteger');
    const refused = await salience(['explain', '--model', quantized, '--text', 'a charming café!', '--method', 'ig', '--out', tmp.path('q-ig')]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/quantized.*MatMulInteger.*float model/s);
    expect(existsSync(tmp.path('q-ig'))).toBe(false);
    // without --method: the gradient methods are skipped with a note, occlusion runs
    const all = await salience(['explain', '--model', quantized, '--text', 'fine', '--out', tmp.path('q-all'), '--json']);
    expect(all.code).toBe(0);
    expect(all.stderr).toMatch(/Skipped gradient, grad-x-embedding, ig, ig-mask/);
    expect(all.json<{ methods: { name: string }[] }>().methods.map((m) => m.name)).toEqual(['occlusion']);
  }, 60_000);

  it('--model model.onnx --tokenizer tokenizer.json (GPT-2: no pad token in the tokenizer, config.json gives it; no mask token)', async () => {
    const run = await salience([
      'explain',
      '--model',
      `${fixtures}gpt2/onnx/model.onnx`,
      '--tokenizer',
      `${fixtures}gpt2/tokenizer.json`,
      '--text',
      'the film was good',
      '--method',
      'ig,occlusion',
      '--steps',
      '8',
      '--out',
      tmp.path('gpt2'),
      '--json',
    ]);
    expect(run.code).toBe(0);
    const noMask = await salience(['explain', '--model', `${fixtures}gpt2`, '--text', 'x', '--method', 'ig-mask', '--out', tmp.path('gpt2-mask')]);
    expect(noMask.code).toBe(2);
    expect(noMask.stderr).toMatch(/needs a mask token/);
  }, 60_000);

  it('usage errors say what to do', async () => {
    const image = await salience(['explain', '--model', distilbert, '--text', 'x', '--method', 'gradcam', '--out', tmp.path('u1')]);
    expect(image.code).toBe(2);
    expect(image.stderr).toMatch(/gradcam is for images.*gradient, grad-x-embedding, ig, ig-mask, occlusion/);
    const noTokenizer = await salience(['explain', '--model', `${fixtures}../package.json`, '--text', 'x', '--out', tmp.path('u2')]);
    expect(noTokenizer.code).toBe(2);
    expect(noTokenizer.stderr).toMatch(/--tokenizer/);
    const both = await salience(['explain', '--model', distilbert, '--text', 'x', '--input', 'a.npy', '--out', tmp.path('u3')]);
    expect(both.code).toBe(2);
    const noText = await salience(['explain', '--model', distilbert, '--out', tmp.path('u4')]);
    expect(noText.code).toBe(2);
    expect(noText.stderr).toMatch(/--text "\.\.\."/);
  });
});
