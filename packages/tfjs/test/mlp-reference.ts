import type { Objective, TensorData } from '@salience/core';
import { objectiveAndLogitGradient, tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** A two-layer MLP (4 -> relu 5 -> 3) whose outputs and gradients the tests compute by hand. */
export const W1 = [0.5, -0.2, 0.1, 0.3, -0.4, 0.2, 0.7, -0.1, 0.6, 0.05, -0.3, 0.25, 0.4, 0.15, -0.5, 0.2, -0.6, 0.3, 0.1, 0.35]; // [4, 5]
export const B1 = [0.1, -0.05, 0.02, 0, 0.03];
export const W2 = [0.3, -0.7, 0.2, 0.5, 0.1, -0.4, -0.2, 0.6, 0.3, 0.8, -0.1, 0.05, 0.4, 0.2, -0.3]; // [5, 3]
export const B2 = [0.01, -0.02, 0.03];
export const X = tensor([1, 2, -1, 0.5, -0.5, 0.3, 2, -1.5, 0.2, 0.4, 0.6, 0.8], [3, 4]);

/** The same two-layer MLP computed in plain JavaScript: hidden pre-activation, hidden, logits. */
export function mlpByHand(x: TensorData) {
  const rows = x.shape[0]!;
  const pre = new Float32Array(rows * 5);
  const hidden = new Float32Array(rows * 5);
  const logits = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < 5; j++) {
      let s = B1[j]!;
      for (let i = 0; i < 4; i++) s += x.data[r * 4 + i]! * W1[i * 5 + j]!;
      pre[r * 5 + j] = s;
      hidden[r * 5 + j] = Math.max(0, s);
    }
    for (let c = 0; c < 3; c++) {
      let s = B2[c]!;
      for (let j = 0; j < 5; j++) s += hidden[r * 5 + j]! * W2[j * 3 + c]!;
      logits[r * 3 + c] = s;
    }
  }
  return { pre, hidden, logits: tensor(logits, [rows, 3]) };
}

/** d objective / d hidden and d objective / d input for each row, by the chain rule. */
export function mlpGradientsByHand(x: TensorData, targets: Int32Array, objective: Objective) {
  const rows = x.shape[0]!;
  const { pre, logits } = mlpByHand(x);
  const { gradient } = objectiveAndLogitGradient(logits, targets, objective);
  const dHidden = new Float32Array(rows * 5);
  const dInput = new Float32Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < 5; j++) {
      let s = 0;
      for (let c = 0; c < 3; c++) s += gradient[r * 3 + c]! * W2[j * 3 + c]!;
      dHidden[r * 5 + j] = s;
    }
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let j = 0; j < 5; j++) if (pre[r * 5 + j]! > 0) s += dHidden[r * 5 + j]! * W1[i * 5 + j]!;
      dInput[r * 4 + i] = s;
    }
  }
  return { dHidden, dInput };
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance);
}

/** Runs `work` and checks that it left no tensor behind, whether it answered or threw; returns the answer or the error. */
export async function expectNoLeak(work: () => Promise<unknown>): Promise<unknown> {
  const before = tf.memory().numTensors;
  let outcome: unknown;
  try {
    outcome = await work();
  } catch (error) {
    outcome = error;
  }
  expect(tf.memory().numTensors).toBe(before);
  return outcome;
}
