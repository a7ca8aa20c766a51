import { describe, expect, it } from 'vitest';
import { createSession, distinctFeed, expectGradientsMatch, rng, toTensors } from '../../test/gradient-check.js';
import type { Attributes } from '../attributes.js';
import { addGradients } from '../gradients.js';
import { ModelGraph } from '../model-graph.js';
import { LARGE_KERNEL_TAPS } from './pooling.js';

function pool(shape: readonly number[], attrs: Attributes): ModelGraph {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape }] });
  g.add('MaxPool', ['x'], attrs, { output: 'y' });
  return g;
}

/** PyTorch's rule by hand for 2-D windows (row-major taps, padding never wins), seed all ones. */
function reference(x: Float32Array, shape: readonly number[], kernel: number[], strides: number[], pads: number[], ties: 'first' | 'split'): Float32Array {
  const [n, c, h, w] = shape as [number, number, number, number];
  const oh = Math.floor((h + pads[0]! + pads[2]! - kernel[0]!) / strides[0]!) + 1;
  const ow = Math.floor((w + pads[1]! + pads[3]! - kernel[1]!) / strides[1]!) + 1;
  const dx = new Float32Array(x.length);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const taps: number[] = [];
        for (let a = 0; a < kernel[0]!; a++) {
          for (let b = 0; b < kernel[1]!; b++) {
            const r = i * strides[0]! + a - pads[0]!;
            const q = j * strides[1]! + b - pads[1]!;
            if (r >= 0 && r < h && q >= 0 && q < w) taps.push(p * h * w + r * w + q);
          }
        }
        const max = Math.max(...taps.map((k) => x[k]!));
        const winners = taps.filter((k) => x[k] === max);
        if (ties === 'first') dx[winners[0]!]! += 1;
        else for (const k of winners) dx[k]! += 1 / winners.length;
      }
    }
  }
  return dx;
}

const cases: [string, number[], Attributes][] = [
  ['5x5 stride 1 pad 2 (SPP)', [1, 2, 7, 7], { kernel_shape: [5, 5], pads: [2, 2, 2, 2] }],
  ['5x5 stride 2, ceil_mode', [1, 1, 9, 8], { kernel_shape: [5, 5], strides: [2, 2], ceil_mode: 1 }],
  ['3x6 dilation 2', [1, 1, 10, 14], { kernel_shape: [3, 6], dilations: [2, 2] }],
  ['1-D kernel 17 stride 3 pad 8', [2, 2, 30], { kernel_shape: [17], strides: [3], pads: [8, 8] }],
];

describe('MaxPool with large kernels, tap by tap', () => {
  it('is used past the threshold', () => {
    expect(5 * 5).toBeGreaterThan(LARGE_KERNEL_TAPS);
  });

  for (const ties of ['first', 'split'] as const) {
    for (const [label, shape, attrs] of cases) {
      it(`${label}, ties ${ties}: finite differences`, async () => {
        await expectGradientsMatch(pool(shape, attrs), { of: 'y', wrt: ['x'], feeds: { x: distinctFeed(rng(8), shape, 0.05) }, step: 5e-3, maxPoolTies: ties });
      });
    }

    it(`ties ${ties} on tie-heavy inputs: PyTorch's rule exactly`, async () => {
      const shape = [1, 2, 9, 9];
      const random = rng(9);
      const x = Float32Array.from({ length: 162 }, () => Math.floor(random() * 3));
      for (const [kernel, strides, pads] of [
        [
          [5, 5],
          [1, 1],
          [2, 2, 2, 2],
        ],
        [
          [6, 3],
          [2, 3],
          [1, 1, 1, 1],
        ],
      ]) {
        const built = addGradients(pool(shape, { kernel_shape: kernel, strides, pads }), { of: 'y', wrt: ['x'], maxPoolTies: ties });
        const session = await createSession(built.model);
        const got = (await session.run(toTensors({ x: { data: x, shape } })))[built.gradients.x!]!.data as Float32Array;
        await session.release();
        const want = reference(x, shape, kernel!, strides!, pads!, ties);
        got.forEach((v, i) => {
          expect(v).toBeCloseTo(want[i]!, 5);
        });
      }
    });
  }

  it('never holds a K-channel unfold: no tap kernels, no Conv', () => {
    const g = pool([50, 512, 20, 20], { kernel_shape: [13, 13], pads: [6, 6, 6, 6] });
    const built = ModelGraph.decode(addGradients(g, { of: 'y', wrt: ['x'] }).model);
    expect(built.nodes.some((n) => n.opType === 'Conv' || n.opType === 'ConvTranspose')).toBe(false);
    const largest = Math.max(...built.initializers.map((t) => (t.dims ?? []).map(Number).reduce((a, b) => a * b, 1)));
    expect(largest).toBeLessThanOrEqual(8);
  });
});
