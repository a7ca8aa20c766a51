import { ShapeError, type TensorData } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { type ChannelWeighting, classActivationMaps, featureMapGeometry } from './class-activation-map.js';

// One example, three channels on a 2x2 grid (positions in row-major order):
//   channel 0: A = [1, 2, 3, 4], g = [1, 1, 1, 1]     (sum A = 10)
//   channel 1: A = [0, 1, 0, 1], g = [1, 0, -1, 0]    (sum A = 2)
//   channel 2: A = [2, 2, 2, 2], g = [-1, -1, -1, -1]
const A = [
  [1, 2, 3, 4],
  [0, 1, 0, 1],
  [2, 2, 2, 2],
];
const G = [
  [1, 1, 1, 1],
  [1, 0, -1, 0],
  [-1, -1, -1, -1],
];

function channelsFirst(perChannel: number[][]): TensorData {
  return { data: Float32Array.from(perChannel.flat()), shape: [1, perChannel.length, 2, 2] };
}

function channelsLast(perChannel: number[][]): TensorData {
  const data = new Float32Array(perChannel.length * 4);
  perChannel.forEach((values, k) => {
    values.forEach((v, p) => {
      data[p * perChannel.length + k] = v;
    });
  });
  return { data, shape: [1, 2, 2, perChannel.length] };
}

function maps(weighting: ChannelWeighting, relu: boolean, first: boolean): number[] {
  const [a, g] = first ? [channelsFirst(A), channelsFirst(G)] : [channelsLast(A), channelsLast(G)];
  const out = new Float32Array(4);
  classActivationMaps(a, g, featureMapGeometry(a.shape, first), weighting, relu, out);
  return Array.from(out);
}

function expectValues(actual: number[], expected: number[]): void {
  actual.forEach((v, i) => {
    expect(v, `position ${i}`).toBeCloseTo(expected[i]!, 6);
  });
}

describe.each([
  ['channels first (NCHW)', true],
  ['channels last (NHWC)', false],
])('%s', (_, first) => {
  it('Grad-CAM: weights are the mean gradients (1, 0, -1), map = A0 - A2, relu keeps the positive part', () => {
    expectValues(maps('grad-cam', false, first), [-1, 0, 1, 2]);
    expectValues(maps('grad-cam', true, first), [0, 0, 1, 2]);
  });

  it('Grad-CAM++: alpha = g^2 / (2 g^2 + sum(A) g^3), weights = sum relu(g) alpha = (1/3, 1/4, 0)', () => {
    // Channel 0: alpha = 1 / (2 + 10) at each of 4 positions: 4/12. Channel 1: one position with
    // g = 1, alpha = 1 / (2 + 2): 1/4. Channel 2: every g < 0, so relu(g) removes it.
    const expected = [1 / 3, 2 / 3 + 1 / 4, 1, 4 / 3 + 1 / 4];
    expectValues(maps('grad-cam++', true, first), expected);
    expectValues(maps('grad-cam++', false, first), expected);
  });
});

describe('several rows', () => {
  it('computes each row from its own activations and gradients', () => {
    const a: TensorData = { data: Float32Array.from([...A.flat(), ...A.flat().map((v) => -v)]), shape: [2, 3, 2, 2] };
    const g: TensorData = { data: Float32Array.from([...G.flat(), ...G.flat()]), shape: [2, 3, 2, 2] };
    const out = new Float32Array(8);
    classActivationMaps(a, g, featureMapGeometry(a.shape, true), 'grad-cam', false, out);
    expectValues(Array.from(out), [-1, 0, 1, 2, 1, 0, -1, -2]);
  });
});

describe('featureMapGeometry', () => {
  it('reads channels at axis 1 or last', () => {
    expect(featureMapGeometry([2, 16, 7, 5], true)).toEqual({ channels: 16, height: 7, width: 5, channelStride: 35, positionStride: 1 });
    expect(featureMapGeometry([2, 7, 5, 16], false)).toEqual({ channels: 16, height: 7, width: 5, channelStride: 1, positionStride: 16 });
  });

  it('rejects anything but a 4-D map', () => {
    expect(() => featureMapGeometry([2, 16, 7], true)).toThrow(ShapeError);
  });
});
