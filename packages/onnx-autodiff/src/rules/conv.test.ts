import { describe, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../../test/gradient-check.js';
import type { Attributes } from '../attributes.js';
import { ModelGraph } from '../model-graph.js';
import type { Dim } from '../tensor-info.js';

interface ConvCase {
  readonly label: string;
  readonly x: readonly number[];
  /** Declared input shape, when it should differ (symbolic dims). */
  readonly declared?: readonly Dim[];
  readonly w: readonly number[];
  readonly attrs: Attributes;
  readonly op?: 'Conv' | 'ConvTranspose';
}

function weights(shape: readonly number[], seed: number): number[] {
  const random = rng(seed);
  return Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() * 2 - 1);
}

async function check(c: ConvCase) {
  const op = c.op ?? 'Conv';
  const outChannels = (op === 'Conv' ? c.w[0] : c.w[1]! * Number(c.attrs.group ?? 1))!;
  const g = ModelGraph.create({
    inputs: [
      { name: 'x', type: 'float32', shape: c.declared ?? c.x },
      { name: 'bias', type: 'float32', shape: [outChannels] },
    ],
  });
  const w = g.constant(weights(c.w, 5), 'float32', c.w, 'w');
  g.add(op, ['x', w, 'bias'], c.attrs, { output: 'y' });
  const random = rng(31);
  const feeds = { x: randomFeed(random, c.x), bias: randomFeed(random, [outChannels]) };
  await expectGradientsMatch(g, { of: 'y', wrt: ['x', 'bias'], feeds });
}

const convCases: ConvCase[] = [
  { label: '3x3, pad 1', x: [2, 3, 5, 5], w: [4, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { label: 'stride 2, asymmetric pads', x: [1, 2, 6, 7], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [0, 1, 1, 0] } },
  { label: 'stride 2 leaving trailing inputs unused', x: [1, 2, 8, 8], w: [2, 2, 3, 3], attrs: { strides: [2, 2] } },
  // The adjoint's three ways to cover the input (see coverAxis in windows.ts).
  { label: 'stride 2, pad 1 on an even input (colorcnn: output_padding)', x: [1, 2, 8, 8], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'stride 2, begin pads only, odd input (crop after the transpose)', x: [1, 2, 9, 9], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 0, 0] } },
  { label: 'stride 2, end pads past the last window (crop the end)', x: [1, 2, 8, 7], w: [2, 2, 3, 3], attrs: { strides: [2, 2], pads: [0, 0, 3, 3] } },
  { label: 'stride 1, pads wider than the kernel', x: [1, 2, 5, 6], w: [2, 2, 3, 3], attrs: { pads: [3, 1, 0, 3] } },
  { label: 'dilation 2', x: [1, 2, 7, 7], w: [2, 2, 3, 3], attrs: { dilations: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'dilation 2, stride 2', x: [1, 2, 10, 10], w: [2, 2, 3, 3], attrs: { strides: [2, 2], dilations: [2, 2], pads: [2, 2, 1, 1] } },
  { label: 'groups 2', x: [1, 4, 5, 5], w: [6, 2, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] } },
  { label: 'depthwise, stride 2', x: [1, 3, 6, 6], w: [3, 1, 3, 3], attrs: { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'auto_pad SAME_UPPER, stride 2', x: [1, 2, 7, 6], w: [2, 2, 3, 3], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { label: 'auto_pad SAME_LOWER, even kernel', x: [1, 2, 5, 5], w: [2, 2, 2, 2], attrs: { auto_pad: 'SAME_LOWER' } },
  { label: 'auto_pad VALID', x: [1, 2, 5, 6], w: [2, 2, 3, 2], attrs: { auto_pad: 'VALID', strides: [1, 2] } },
  { label: 'non-square kernel and strides', x: [1, 2, 7, 6], w: [3, 2, 2, 3], attrs: { strides: [2, 1], pads: [1, 0, 0, 1] } },
  { label: '1-D', x: [2, 3, 9], w: [4, 3, 3], attrs: { pads: [1, 1] } },
  { label: '1-D, stride 2, pad 1 on an even input', x: [2, 3, 8], w: [4, 3, 3], attrs: { strides: [2], pads: [1, 1] } },
  { label: '3-D, stride 2', x: [1, 2, 4, 5, 4], w: [2, 2, 2, 2, 2], attrs: { strides: [2, 2, 2] } },
  {
    label: 'dynamic spatial dims, stride 2',
    x: [1, 2, 8, 7],
    declared: ['n', 2, 'h', 'w'],
    w: [3, 2, 3, 3],
    attrs: { strides: [2, 2], pads: [1, 0, 0, 1] },
  },
];

const transposeCases: ConvCase[] = [
  {
    label: 'ConvTranspose stride 2, pads, output_padding',
    op: 'ConvTranspose',
    x: [1, 3, 4, 4],
    w: [3, 2, 3, 3],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
  },
  { label: 'ConvTranspose groups and dilation', op: 'ConvTranspose', x: [1, 4, 3, 3], w: [4, 1, 2, 2], attrs: { group: 2, dilations: [2, 2] } },
  { label: 'ConvTranspose 1-D stride 3', op: 'ConvTranspose', x: [2, 2, 4], w: [2, 3, 3], attrs: { strides: [3], pads: [1, 0] } },
];

describe('Conv gradients match finite differences', () => {
  for (const c of convCases) it(c.label, () => check(c));
});

describe('ConvTranspose gradients match finite differences', () => {
  for (const c of transposeCases) it(c.label, () => check(c));
});
