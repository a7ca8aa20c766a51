// The tfjs adapter's own conformance subjects (a LayersModel CNN, a GraphModel, a function and a
// text model), so that the browser runs exactly the suite that Node runs.
import { describeTfjsConformance } from '@salience/tfjs/testing';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { describe, expect, it } from 'vitest';
import { offerOf, switchBackend, type TfjsBackend } from './backends.js';

/**
 * Registers the adapter conformance suite on `backend`, or, where this browser does not offer it,
 * one test that says so and checks that tfjs refuses to switch to it. One backend per test file:
 * the subjects are built while the tests are collected, on the backend active then.
 */
export async function describeBrowserConformance(backend: TfjsBackend): Promise<void> {
  const { offered, detail } = await offerOf(tf, backend);
  if (offered) {
    // The subjects switch tfjs to `backend` themselves; any registered backend's name works.
    (describeTfjsConformance as (backend: string) => void)(backend);
    return;
  }
  describe(`tfjs ${backend} in Chromium`, () => {
    it(`is NOT offered by this browser (${detail}): the conformance suite does not run on it, and tfjs refuses to switch to it`, async () => {
      console.log(`browser conformance: tfjs ${backend} is not offered here: ${detail}`);
      expect(await switchBackend(tf, backend)).toBe(false);
    });
  });
}
