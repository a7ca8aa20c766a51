import { fromJsFunction } from '@acme/salience-js-function';
import { createRng } from '@salience/core';

/**
 * A third party's model in plain JavaScript: a 6 x 5 grey image, 3 classes, each the tanh of a
 * weighted sum of the pixels. The gradient is written by hand.
 */
export function createImageFunctionModel() {
  const W = createRng(5).fillNormal(new Float32Array(3 * 30), 0, 0.4);
  const z = (x: Float32Array, c: number) => {
    let s = 0;
    for (let i = 0; i < 30; i++) s += W[c * 30 + i] * x[i];
    return s;
  };
  return fromJsFunction({
    layout: 'NHWC',
    inputShape: [null, 6, 5, 1],
    classes: 3,
    forward: (x) => [0, 1, 2].map((c) => 2 * Math.tanh(z(x, c))),
    backward(x, g) {
      const dx = new Float64Array(30);
      for (let c = 0; c < 3; c++) {
        const t = Math.tanh(z(x, c));
        const scale = 2 * g[c] * (1 - t * t);
        for (let i = 0; i < 30; i++) dx[i] += scale * W[c * 30 + i];
      }
      return dx;
    },
  });
}
