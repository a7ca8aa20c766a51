import { readFile } from 'node:fs/promises';
import { AbortError } from '@salience/core';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { createImageModel } from '@salience/testing';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DIR } from '../test/builtin-in-node.js';
import { DEFAULT_CONTROLS, displayMapOf, picturesOf } from './display.js';
import { defaultSettings, METHOD_CHOICES, type MethodChoice, methodChoice, unavailableReason } from './methods.js';
import { runMethods } from './run-methods.js';

const shape = { height: 7, width: 7, channels: 3 as const };
const model = () => createImageModel({ layout: 'NHWC', channels: 3, height: 7, width: 7, classes: 4 });
const input = { data: Float32Array.from({ length: 7 * 7 * 3 }, (_, i) => (i % 11) / 10), shape: [1, 7, 7, 3] };

describe('the methods the page offers', () => {
  it('all that a tfjs-like model can run run on an NHWC image model and give one map the size of the input', async () => {
    const progress: [number, number][] = [];
    const finished: string[] = [];
    const m = model();
    const choices = METHOD_CHOICES.filter((c) => unavailableReason(c, m) === null);
    // Modified backpropagation (5 methods) needs backward rules, AblationCAM a model that runs from a layer: the fake has neither.
    expect(choices.length).toBe(METHOD_CHOICES.length - 6);
    const runs = await runMethods(m, input, shape, choices, {
      onProgress: (index, fraction) => progress.push([index, fraction]),
      onResult: (run) => finished.push(run.choice.id),
    });
    expect(finished).toEqual(choices.map((c) => c.id));
    for (const run of runs) {
      expect(run.ms).toBeGreaterThanOrEqual(0);
      expect(run.attribution.values.data.every(Number.isFinite), run.choice.id).toBe(true);
      const map = displayMapOf(run.attribution, DEFAULT_CONTROLS);
      expect(map.shape, run.choice.id).toEqual([7, 7]);
    }
    // Each method reports its start and its end, in order.
    for (let i = 0; i < choices.length; i++) {
      const own = progress.filter(([index]) => index === i).map(([, f]) => f);
      expect(own[0]).toBe(0);
      expect(own.at(-1)).toBe(1);
      expect(own.every((f, k) => k === 0 || f >= own[k - 1]!)).toBe(true);
    }
  });

  it('stops with an AbortError when cancelled, and starts no further method', async () => {
    const controller = new AbortController();
    const finished: string[] = [];
    const choices = [methodChoice('gradient'), methodChoice('smoothgrad'), methodChoice('occlusion')];
    const run = runMethods(model(), input, shape, choices, {
      signal: controller.signal,
      onResult: (r) => {
        finished.push(r.choice.id);
        controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(finished).toEqual(['gradient']);
  });

  it('refuses a method the model cannot run before any method starts', async () => {
    const finished: string[] = [];
    const run = runMethods(model(), input, shape, [methodChoice('gradient'), methodChoice('guided-backprop')], { onResult: (r) => finished.push(r.choice.id) });
    await expect(run).rejects.toMatchObject({
      code: 'MISSING_CAPABILITY',
      missing: ['backward:guided'],
      message: expect.stringContaining('Guided Backprop: this model cannot apply the guided backward rule'),
    });
    expect(finished).toEqual([]);
  });

  it('refuses an unknown method id with the ones it knows', () => {
    expect(() => methodChoice('deeplift')).toThrow(/gradient, input-x-gradient/);
  });
});

describe('pictures of a map', () => {
  it('draw the heatmap and the overlay at the input picture size, following the controls', async () => {
    const [run] = await runMethods(model(), input, shape, [methodChoice('gradient')]);
    const picture = { width: 7, height: 7, data: new Uint8ClampedArray(7 * 7 * 4).fill(255) };
    const opaque = picturesOf(run!.attribution, picture, { ...DEFAULT_CONTROLS, opacity: 1 });
    const clear = picturesOf(run!.attribution, picture, { ...DEFAULT_CONTROLS, opacity: 0 });
    expect(opaque.heatmap.width).toBe(7);
    expect(Array.from(opaque.overlay.data)).toEqual(Array.from(opaque.heatmap.data));
    expect(Array.from(clear.overlay.data)).toEqual(Array.from(picture.data));
    const unclipped = displayMapOf(run!.attribution, { ...DEFAULT_CONTROLS, clipPercent: 0 });
    const clipped = displayMapOf(run!.attribution, { ...DEFAULT_CONTROLS, clipPercent: 20 });
    expect(Math.max(...unclipped.data)).toBeCloseTo(1, 6);
    expect(clipped.data.filter((v) => v >= 1).length).toBeGreaterThan(unclipped.data.filter((v) => v >= 1).length);
    const gray = picturesOf(run!.attribution, picture, { ...DEFAULT_CONTROLS, colormap: 'gray', opacity: 1 });
    expect(Array.from(gray.heatmap.data)).not.toEqual(Array.from(opaque.heatmap.data));
  });

  it('draw a signed method with its sign, a colorbar in its raw units, ', async () => {
    const [run] = await runMethods(model(), input, shape, [methodChoice('input-x-gradient')]);
    const picture = { width: 7, height: 7, data: new Uint8ClampedArray(7 * 7 * 4).fill(255) };
    const signed = picturesOf(run!.attribution, picture, DEFAULT_CONTROLS, true, 40);
    expect([signed.sign, signed.colormap, signed.scale.signed]).toEqual(['all', 'blue-white-red', true]);
    expect(Math.min(...signed.map.data)).toBeLessThan(0);
    expect(signed.scale.low).toBe(-signed.scale.high);
    expect(signed.colorbar.height).toBeGreaterThan(40);
    const unsigned = picturesOf(run!.attribution, picture, DEFAULT_CONTROLS, false, 40);
    expect([unsigned.sign, unsigned.colormap, unsigned.scale.signed]).toEqual(['absolute', 'inferno', false]);
    expect(Math.min(...unsigned.map.data)).toBeGreaterThanOrEqual(0);
  });
});

describe('modified backpropagation on the built-in ONNX model (onnxruntime-web wasm, as on the page)', () => {
  it('runs the five methods: finite signed maps the size of the input', async () => {
    ortWeb.env.wasm.numThreads = 1;
    const onnx = await fromOnnx(ortWeb as unknown as OrtModule, new Uint8Array(await readFile(new URL('model.onnx', BUILTIN_DIR))));
    try {
      const choices = METHOD_CHOICES.filter((c) => c.backwardRules !== undefined);
      expect(choices.map((c) => c.id)).toEqual(['guided-backprop', 'deconvnet', 'deep-lift', 'lrp', 'guided-grad-cam']);
      for (const c of choices) expect(unavailableReason(c, onnx), c.id).toBeNull();
      const image = { data: Float32Array.from({ length: 28 * 28 }, (_, i) => ((i * 37) % 101) / 100), shape: [1, 1, 28, 28] };
      const runs = await runMethods(onnx, image, { height: 28, width: 28, channels: 1 }, choices, { target: 3 });
      for (const run of runs) {
        const { data } = run.attribution.values;
        expect(data.every(Number.isFinite), run.choice.id).toBe(true);
        expect(Math.max(...data.map(Math.abs)), run.choice.id).toBeGreaterThan(0);
        expect(displayMapOf(run.attribution, DEFAULT_CONTROLS).shape, run.choice.id).toEqual([28, 28]);
      }
    } finally {
      onnx.dispose();
    }
  }, 60_000);

  it("runs LRP with Zennit's EpsilonGammaBox and DeepLIFT from a black image, as the selects set them", async () => {
    ortWeb.env.wasm.numThreads = 1;
    const onnx = await fromOnnx(ortWeb as unknown as OrtModule, new Uint8Array(await readFile(new URL('model.onnx', BUILTIN_DIR))));
    try {
      const shape28 = { height: 28, width: 28, channels: 1 as const, layout: 'NCHW' as const };
      const image = { data: Float32Array.from({ length: 28 * 28 }, (_, i) => ((i * 37) % 101) / 100), shape: [1, 1, 28, 28] };
      const normalization = { mean: [0.25], std: [0.5] };
      const settings = (choice: MethodChoice) => ({ ...defaultSettings(choice, shape28), picks: { rules: 'epsilon-gamma-box', baseline: 'black' }, normalization });
      const [lrp, deepLift] = await runMethods(onnx, image, shape28, [methodChoice('lrp'), methodChoice('deep-lift')], { target: 3, settings });
      expect(lrp!.attribution.meta).toMatchObject({ rules: 'epsilon-gamma-box', low: -0.5, high: 1.5, gamma: 0.25 });
      const [plainLrp, zeroLift] = await runMethods(onnx, image, shape28, [methodChoice('lrp'), methodChoice('deep-lift')], { target: 3 });
      for (const [run, other] of [
        [lrp, plainLrp],
        [deepLift, zeroLift],
      ]) {
        expect(run!.attribution.values.data.every(Number.isFinite), run!.choice.id).toBe(true);
        expect(Array.from(run!.attribution.values.data), run!.choice.id).not.toEqual(Array.from(other!.attribution.values.data));
      }
      // Black is -0.5 after this mean and std: one number for the one channel.
      expect(deepLift!.attribution.meta).toMatchObject({ baseline: -0.5 });
    } finally {
      onnx.dispose();
    }
  }, 60_000);
});
