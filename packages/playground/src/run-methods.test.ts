import { AbortError } from '@salience/core';
import { createImageModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTROLS, displayMapOf, picturesOf } from './display.js';
import { METHOD_CHOICES, methodChoice } from './methods.js';
import { runMethods } from './run-methods.js';

const shape = { height: 7, width: 7, channels: 3 as const };
const model = () => createImageModel({ layout: 'NHWC', channels: 3, height: 7, width: 7, classes: 4 });
const input = { data: Float32Array.from({ length: 7 * 7 * 3 }, (_, i) => (i % 11) / 10), shape: [1, 7, 7, 3] };

describe('the methods the page offers', () => {
  it('all run on an NHWC image model and give one map the size of the input', async () => {
    const progress: [number, number][] = [];
    const finished: string[] = [];
    const runs = await runMethods(model(), input, shape, METHOD_CHOICES, {
      onProgress: (index, fraction) => progress.push([index, fraction]),
      onResult: (run) => finished.push(run.choice.id),
    });
    expect(finished).toEqual(METHOD_CHOICES.map((c) => c.id));
    for (const run of runs) {
      expect(run.ms).toBeGreaterThanOrEqual(0);
      expect(run.attribution.values.data.every(Number.isFinite), run.choice.id).toBe(true);
      const map = displayMapOf(run.attribution, DEFAULT_CONTROLS);
      expect(map.shape, run.choice.id).toEqual([7, 7]);
    }
    // Each method reports its start and its end, in order.
    for (let i = 0; i < METHOD_CHOICES.length; i++) {
      const own = progress.filter(([index]) => index === i).map(([, f]) => f);
      expect(own[0]).toBe(0);
      expect(own.at(-1)).toBe(1);
      expect(own.every((f, k) => k === 0 || f >= own[k - 1])).toBe(true);
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

  it('refuses an unknown method id with the ones it knows', () => {
    expect(() => methodChoice('deeplift')).toThrow(/gradient, input-x-gradient/);
  });
});

describe('pictures of a map', () => {
  it('draw the heatmap and the overlay at the input picture size, following the controls', async () => {
    const [run] = await runMethods(model(), input, shape, [methodChoice('gradient')]);
    const picture = { width: 7, height: 7, data: new Uint8ClampedArray(7 * 7 * 4).fill(255) };
    const opaque = picturesOf(run.attribution, picture, { ...DEFAULT_CONTROLS, opacity: 1 });
    const clear = picturesOf(run.attribution, picture, { ...DEFAULT_CONTROLS, opacity: 0 });
    expect(opaque.heatmap.width).toBe(7);
    expect(Array.from(opaque.overlay.data)).toEqual(Array.from(opaque.heatmap.data));
    expect(Array.from(clear.overlay.data)).toEqual(Array.from(picture.data));
    const unclipped = displayMapOf(run.attribution, { ...DEFAULT_CONTROLS, clipPercent: 0 });
    const clipped = displayMapOf(run.attribution, { ...DEFAULT_CONTROLS, clipPercent: 20 });
    expect(Math.max(...unclipped.data)).toBeCloseTo(1, 6);
    expect(clipped.data.filter((v) => v >= 1).length).toBeGreaterThan(unclipped.data.filter((v) => v >= 1).length);
    const gray = picturesOf(run.attribution, picture, { ...DEFAULT_CONTROLS, colormap: 'gray', opacity: 1 });
    expect(Array.from(gray.heatmap.data)).not.toEqual(Array.from(opaque.heatmap.data));
  });

  it('draw a signed method with its sign, a colorbar in its raw units, ', async () => {
    const [run] = await runMethods(model(), input, shape, [methodChoice('input-x-gradient')]);
    const picture = { width: 7, height: 7, data: new Uint8ClampedArray(7 * 7 * 4).fill(255) };
    const signed = picturesOf(run.attribution, picture, DEFAULT_CONTROLS, true, 40);
    expect([signed.sign, signed.colormap, signed.scale.signed]).toEqual(['all', 'blue-white-red', true]);
    expect(Math.min(...signed.map.data)).toBeLessThan(0);
    expect(signed.scale.low).toBe(-signed.scale.high);
    expect(signed.colorbar.height).toBeGreaterThan(40);
    const unsigned = picturesOf(run.attribution, picture, DEFAULT_CONTROLS, false, 40);
    expect([unsigned.sign, unsigned.colormap, unsigned.scale.signed]).toEqual(['absolute', 'inferno', false]);
    expect(Math.min(...unsigned.map.data)).toBeGreaterThanOrEqual(0);
  });
});
