import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TensorData } from '@salience/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import { BUILTIN_DIR, BUILTIN_MODEL } from '../models/builtin.js';

/**
 * The root README's "From PyTorch" and "From Keras" recipes, run as written: the commands are read
 * from the README (so it cannot drift from what is tested), only their file names are pointed at
 * the fixtures. The PyTorch fixture is what the README's Python blocks wrote
 * (tools/make-pytorch-recipe-fixture.py runs them from the README, and records them in recipe.json).
 */
const README = readFileSync(fileURLToPath(new URL('../../../../README.md', import.meta.url)), 'utf8');
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/pytorch-recipe/', import.meta.url));
/** Each map against Captum's, relative to the map's largest magnitude: what the README promises. */
const TOLERANCE = 1e-4;
/** One CLI run builds a gradient graph and runs 50 IG steps, or two methods on 12 images with their pictures: seconds, slow under load. */
const TIMEOUT = 120_000;

const tmp = scratch('salience-recipes-');
afterAll(() => tmp.remove());

/** The README's text from `### <title>` to the next heading of that level or above. */
function section(title: string): string {
  const start = README.indexOf(`\n### ${title}\n`);
  expect(start, `README.md has no '### ${title}' section`).toBeGreaterThan(0);
  const rest = README.slice(start + 1);
  const end = rest.slice(4).search(/\n##+ /);
  return end < 0 ? rest : rest.slice(0, end + 4);
}

function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

/**
 * The section's `salience explain` line as argv (without `salience`), with each named file
 * replaced. Every replaced word must be in the line, so a renamed file in the README fails here.
 */
function commandOf(text: string, files: Record<string, string>): string[] {
  const lines = codeBlocks(text, 'sh')
    .flatMap((block) => block.split('\n'))
    .filter((line) => line.startsWith('salience explain '));
  expect(lines, 'one `salience explain` line').toHaveLength(1);
  // Plain words only: no quotes or shell syntax to interpret.
  expect(lines[0]).toMatch(/^[\w ./,=-]+$/);
  const words = lines[0]!.trim().split(/\s+/).slice(1);
  for (const [word, path] of Object.entries(files)) {
    const at = words.indexOf(word);
    expect(at, `'${word}' in: ${lines[0]}`).toBeGreaterThan(0);
    words[at] = path;
  }
  return words;
}

/** max|actual - expected| / max|expected|. */
function relativeError(actual: TensorData, expected: TensorData): number {
  expect(actual.shape).toEqual(expected.shape);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < expected.data.length; i++) {
    worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
    scale = Math.max(scale, Math.abs(expected.data[i]!));
  }
  return worst / scale;
}

describe('README: From PyTorch', () => {
  const text = section('From PyTorch');
  const recipe = JSON.parse(readFileSync(`${FIXTURE}recipe.json`, 'utf8')) as { exportBlock: string; captumBlock: string; inputShape: number[] };

  it('holds the Python blocks the fixture was made from (else rerun tools/make-pytorch-recipe-fixture.py)', () => {
    const python = codeBlocks(text, 'python');
    expect(python[0]).toBe(recipe.exportBlock);
    expect(python.find((block) => block.includes('captum'))).toBe(recipe.captumBlock);
    // The export as the README writes it: a dynamic batch axis, the default (dynamo) exporter, weights beside the model.
    expect(recipe.exportBlock).toMatch(/dynamic_axes=\{'input': \{0: 'batch'\}/);
    expect(readFileSync(`${FIXTURE}model.onnx.data`).length).toBeGreaterThan(0);
  });

  it(
    "gives Captum's Saliency and IntegratedGradients from the README's command within 1e-4 of each map's largest value",
    async () => {
      const out = tmp.path('maps');
      const argv = commandOf(text, { 'model.onnx': `${FIXTURE}model.onnx`, 'x.npy': `${FIXTURE}x.npy`, maps: out });
      const run = await salience(argv);
      expect(run.code, run.stderr).toBe(0);
      const gradient = relativeError(readNpyFile(`${out}/gradient.npy`), readNpyFile(`${FIXTURE}captum-saliency.npy`));
      const ig = relativeError(readNpyFile(`${out}/ig.npy`), readNpyFile(`${FIXTURE}captum-ig.npy`));
      expect(gradient, 'gradient against Captum Saliency(abs=False)').toBeLessThanOrEqual(TOLERANCE);
      expect(ig, "IG against Captum IntegratedGradients(n_steps=50, 'gausslegendre')").toBeLessThanOrEqual(TOLERANCE);
      expect(readNpyFile(`${out}/ig.npy`).shape).toEqual(recipe.inputShape);
    },
    TIMEOUT,
  );
});

describe('README: From Keras', () => {
  const text = section('From Keras');

  it('converts with tensorflowjs_converter --input_format=keras', () => {
    expect(codeBlocks(text, 'sh').join('\n')).toMatch(/^tensorflowjs_converter --input_format=keras model\.h5 web_model\/$/m);
  });

  it(
    "explains a TensorFlow.js Layers model (the built-in one) and a folder of photos with the README's command",
    async () => {
      const out = tmp.path('keras-maps');
      const argv = commandOf(text, { 'web_model/model.json': BUILTIN_MODEL, 'photos/': `${BUILTIN_DIR}samples/`, maps: out });
      const run = await salience(argv);
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(`${out}/summary.json`, 'utf8')) as {
        model: { format: string; layout: string };
        examples: unknown[];
        methods: { name: string; file: string; targets: number[] }[];
      };
      expect(summary.model).toMatchObject({ format: 'tfjs-layers', layout: 'NHWC' });
      expect(summary.methods.length).toBeGreaterThan(0);
      // One map per photo (its predicted class), NHWC like the model.
      for (const { name, file, targets } of summary.methods) {
        expect(targets, name).toHaveLength(summary.examples.length);
        expect(readNpyFile(`${out}/${file}`).shape, name).toEqual([targets.length, 28, 28, 1]);
      }
    },
    TIMEOUT,
  );
});
