import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { expect } from 'vitest';
import { offerOf, switchBackend, type TfjsBackend } from './backends.js';
import type { ParityRuntime } from './parity-suite.js';
import { toleranceFor, WASM_SMALLCNN_GAUSS_LEGENDRE } from './tolerance.js';

/** A tfjs backend as a parity runtime: the fixture models rebuilt in tfjs (NHWC). */
export function tfjsRuntime(backend: TfjsBackend): ParityRuntime {
  return {
    name: `tfjs ${backend}`,
    short: backend,
    layout: 'NHWC',
    offer: () => offerOf(tf, backend),
    assertRefused: async () => {
      expect(await switchBackend(tf, backend)).toBe(false);
    },
    activate: async () => {
      expect(await switchBackend(tf, backend)).toBe(true);
    },
    load: async (fixture) => fromTfjs(tf, buildFixtureModel(tf, fixture.name, fixture.weights)),
    tolerance: (model, check) => (backend === 'wasm' && model === 'smallcnn' && check.startsWith('IG gauss-legendre') ? WASM_SMALLCNN_GAUSS_LEGENDRE : toleranceFor(backend)),
    liveTensors: () => tf.memory().numTensors,
  };
}
