import { createRng } from '@salience/core';
import { describeModelConformance } from '@salience/testing';
import { __camel__ } from './index.js';

// A small network with a known gradient: logits = W2 tanh(W1 x + b1) + b2, 5 inputs, 4 hidden, 3 classes.
const rng = createRng(7);
const W1 = rng.fillNormal(new Float32Array(4 * 5), 0, 0.8);
const b1 = rng.fillNormal(new Float32Array(4), 0, 0.2);
const W2 = rng.fillNormal(new Float32Array(3 * 4), 0, 1);
const b2 = rng.fillNormal(new Float32Array(3), 0, 0.2);

function hidden(x: Float32Array): Float64Array {
  const h = new Float64Array(4);
  for (let j = 0; j < 4; j++) {
    let s = b1[j];
    for (let i = 0; i < 5; i++) s += W1[j * 5 + i] * x[i];
    h[j] = Math.tanh(s);
  }
  return h;
}

function createModel() {
  return __camel__({
    inputShape: [null, 5],
    classes: 3,
    forward(x) {
      const h = hidden(x);
      return Array.from({ length: 3 }, (_, c) => b2[c] + h.reduce((s, v, j) => s + W2[c * 4 + j] * v, 0));
    },
    backward(x, g) {
      const h = hidden(x);
      const dx = new Float64Array(5);
      for (let j = 0; j < 4; j++) {
        let dh = 0;
        for (let c = 0; c < 3; c++) dh += g[c] * W2[c * 4 + j];
        const ds = dh * (1 - h[j] * h[j]);
        for (let i = 0; i < 5; i++) dx[i] += ds * W1[j * 5 + i];
      }
      return dx;
    },
  });
}

// The adapter conformance suite of @salience/testing: shapes, targets, every objective against
// finite differences, batching, errors, abort, no mutation, no leaks, dispose.
describeModelConformance('__ID__', () => {
  const model = createModel();
  return { model, input: { data: createRng(1).fillNormal(new Float32Array(4 * 5)), shape: [4, 5] }, liveTensors: () => model.liveBuffers };
});
