import { readFileSync, writeFileSync } from 'node:fs';
import type { TensorData } from '@salience/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadZooModel, ZOO_IMAGE_MODELS, ZOO_TEXT_MODELS, type ZooCase, type ZooModel } from '../../../onnx/test/zoo.js';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import { writeNpy } from '../inputs/npy.js';

/**
 * Issue 14's "every zoo model explains from the CLI as exported": the zoo of @salience/onnx
 * (transformers architectures exported by tools/export-zoo.py with dynamic axes) through
 * `salience explain --model <zoo>/model.onnx --input x.npy`, each written .npy against Captum's
 * float64 reference within max(1e-4, Captum's own float32 floor) of its max, as the library's
 * zoo-parity test judges it.
 */
const TOLERANCE = 1e-4;
/** One CLI run opens the model, builds the gradient graph and runs four methods; slow under load. */
const TIMEOUT = 60_000;

const tmp = scratch('salience-zoo-');
afterAll(() => tmp.remove());

/** Captum's float32 noise on a case (with the export script's kink floor where it measured one). */
const floorOf = (expected: ZooCase) => Math.max(expected.f32Distance, typeof expected.extra.kinkFloor === 'number' ? expected.extra.kinkFloor : 0);

/** max|actual - expected| / max|expected| over the whole tensor, within max(1e-4, floor). */
function expectCase(zoo: ZooModel, key: string, actual: TensorData): void {
  const expected = zoo.cases[key]!;
  expect(actual.shape, `${zoo.name} ${key}`).toEqual(expected.shape);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) {
    scale = Math.max(scale, Math.abs(expected.data[i]!));
    worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
  }
  const error = scale > 0 ? worst / scale : worst;
  expect(error, `${zoo.name} ${key}: max error ${worst} over max|expected| ${scale}`).toBeLessThanOrEqual(Math.max(TOLERANCE, floorOf(expected)));
}

describe('salience explain on the ONNX zoo: image models', () => {
  it.each(ZOO_IMAGE_MODELS)(
    '%s: gradient, IG, Grad-CAM and occlusion from one command, at Captum parity',
    async (name) => {
      const zoo = await loadZooModel(name);
      const x = tmp.path(`${name}.npy`);
      writeFileSync(x, writeNpy(zoo.input));
      const out = tmp.path(`out-${name}`);
      const { window, stride } = zoo.cases.occlusion!.extra as { window: number[]; stride: number[] };
      // The flags that make the CLI compute Captum's cases: Saliency(abs=False), IG Gauss-Legendre 16,
      // LayerGradCam without ReLU at the layer's size (at the module Captum hooked), Occlusion with baseline 0.
      const run = await salience([
        'explain',
        '--model',
        zoo.modelPath,
        '--input',
        x,
        '--target',
        zoo.target.join(','),
        '--method',
        'gradient,ig,gradcam,occlusion',
        '--signed',
        '--steps',
        '16',
        '--quadrature',
        'gausslegendre',
        '--layer',
        zoo.meta.gradcamLayer as string,
        '--no-relu',
        '--upsample',
        'none',
        '--window',
        window.join(','),
        '--stride',
        stride.join(','),
        '--baseline',
        '0',
        '--no-overlays',
        '--quiet',
        '--out',
        out,
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expectCase(zoo, 'gradient', readNpyFile(`${out}/gradient.npy`));
      expectCase(zoo, 'ig_gausslegendre_16', readNpyFile(`${out}/ig.npy`));
      expectCase(zoo, 'gradcam_layer_norelu', readNpyFile(`${out}/gradcam.npy`));
      expectCase(zoo, 'occlusion', readNpyFile(`${out}/occlusion.npy`));
    },
    TIMEOUT,
  );
});

/** The token-id .npy and one --context file per companion input (attention_mask, token_type_ids). */
function textArgs(zoo: ZooModel): string[] {
  const ids = tmp.path(`${zoo.name}-ids.npy`);
  writeFileSync(ids, writeNpy(zoo.input));
  const args = ['--model', zoo.modelPath, '--input', ids, '--target', zoo.target.join(',')];
  for (const [input, values] of Object.entries(zoo.context)) {
    const file = tmp.path(`${zoo.name}-${input}.npy`);
    writeFileSync(file, writeNpy(values));
    args.push('--context', `${input}=${file}`);
  }
  return args;
}

describe('salience explain on the ONNX zoo: text models from token-id .npy files', () => {
  // Without a tokenizer the CLI has no token methods (those run with --text and --tokenizer): the
  // gradient methods on raw ids are refused before any work, naming the flags of the text path.
  it.each(ZOO_TEXT_MODELS)(
    '%s: gradient and IG on raw ids exit 7 naming --text and --tokenizer',
    async (name) => {
      const zoo = await loadZooModel(name);
      const args = textArgs(zoo);
      const gradient = await salience(['explain', ...args, '--method', 'gradient', '--out', tmp.path(`grad-${name}`)]);
      expect(gradient.code).toBe(7);
      expect(gradient.stderr).toMatch(/--method gradient cannot run on token ids from --input/);
      expect(gradient.stderr).toMatch(/--tokenizer tokenizer\.json --text/);
      expect(gradient.stderr).not.toMatch(/@salience\//);
      const ig = await salience(['explain', ...args, '--method', 'ig', '--steps', '8', '--out', tmp.path(`ig-${name}`)]);
      expect(ig.code).toBe(7);
      expect(ig.stderr).toMatch(/--method ig cannot run on token ids from --input/);
      expect(ig.stderr).toMatch(/--model DIR --text/);
    },
    TIMEOUT,
  );

  // Occlusion of one token at a time with the pad id is Captum's FeatureAblation(input_ids,
  // baselines=pad). Without a tokenizer the report names each token by its id.
  it.each(ZOO_TEXT_MODELS)(
    '%s: occlusion of single tokens with the pad id equals Captum FeatureAblation',
    async (name) => {
      const zoo = await loadZooModel(name);
      const out = tmp.path(`occlusion-${name}`);
      const pad = String(zoo.meta.padTokenId as number);
      const run = await salience(['explain', ...textArgs(zoo), '--method', 'occlusion', '--window', '1', '--stride', '1', '--baseline', pad, '--quiet', '--out', out]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expectCase(zoo, 'token_ablation_pad', readNpyFile(`${out}/occlusion.npy`));
      const ids = Array.from(zoo.input.data.subarray(0, zoo.input.shape[1]));
      const report = readFileSync(`${out}/report.html`, 'utf8');
      expect(report).toContain(`#${ids[1]}`);
      // Positions the attention_mask leaves out are the pads, marked as such.
      const mask = zoo.context.attention_mask;
      if (mask !== undefined) expect(report.includes('(pad)')).toBe(Array.from(mask.data).includes(0));
    },
    TIMEOUT,
  );
});
