import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '@salience/render';
import { type AnalyticNet, FakeModel } from '@salience/testing';
import type { LoadedModel, ModelLoader } from '../src/models/loaded-model.js';

/** Side of the corner model's gray input. */
export const CORNER_SIDE = 8;

/**
 * A linear two-class model on 8x8 gray images (NHWC) with a planted shortcut: class 0's weights
 * lie only on the top-left 2x2 pixels, class 1's evenly on all of them. Its gradient for class 0
 * is all in the top-left corner; for class 1 it is spread over the image.
 */
export function cornerNet(): AnalyticNet {
  const side = CORNER_SIDE;
  const weights = [new Float64Array(side * side), new Float64Array(side * side).fill(0.1)];
  for (const [y, x] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ])
    weights[0]![y! * side + x!] = 1;
  return {
    classes: 2,
    layers: [],
    forward(x, rowShape) {
      const logits = Float64Array.from(weights, (w) => w.reduce((sum, v, i) => sum + v * x[i]!, 0));
      return { x, rowShape, logits, layers: {} };
    },
    backward(state, g) {
      const input = new Float64Array(state.x.length);
      for (let k = 0; k < 2; k++) for (let i = 0; i < input.length; i++) input[i]! += g[k]! * weights[k]![i]!;
      return { input, layers: {} };
    },
  };
}

/** A loader that gives the corner model whatever the path. */
export function cornerLoader(): ModelLoader {
  return async (): Promise<LoadedModel> => {
    const model = new FakeModel({ layout: 'NHWC', inputShape: [null, CORNER_SIDE, CORNER_SIDE, 1], provides: ['logits', 'inputGradients'], net: cornerNet() });
    return { model, format: 'onnx', runtime: 'fake', dispose: () => model.dispose() };
  };
}

/**
 * Writes `count` 8x8 gray PNGs into `folder`: mid-gray, and for the first `marked` a white top-left
 * 2x2 corner (the corner model calls those class 0, the others class 1). Returns their names.
 */
export function writeCornerImages(folder: string, count: number, marked: number): string[] {
  mkdirSync(folder, { recursive: true });
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    const data = new Uint8ClampedArray(CORNER_SIDE * CORNER_SIDE * 4);
    for (let p = 0; p < CORNER_SIDE * CORNER_SIDE; p++) {
      const y = Math.floor(p / CORNER_SIDE);
      const x = p % CORNER_SIDE;
      // A little variation per image so that maps and pictures differ.
      const value = n < marked && y < 2 && x < 2 ? 255 : 120 + ((n * 7 + p) % 16);
      data.set([value, value, value, 255], p * 4);
    }
    const name = `img-${String(n).padStart(2, '0')}.png`;
    writeFileSync(join(folder, name), encodePng({ width: CORNER_SIDE, height: CORNER_SIDE, data }));
    names.push(name);
  }
  return names;
}
