import type { Model, TensorData } from '@salience/core';
import { integratedGradients } from '@salience/integrated-gradients';
import { type CaptumFixture, type CaptumModelName, compareMaps, loadCaptumFixture } from '@salience/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageLayout, inLayout, PARITY_MODELS } from './parity-cases.js';
import { PrecisionLog } from './precision-log.js';

/** A runtime the parity tests run on: a tfjs backend, or an onnxruntime-web execution provider. */
export interface ParityRuntime {
  /** 'tfjs webgl', 'onnxruntime-web webgpu'... */
  readonly name: string;
  /** Short name for the precision table. */
  readonly short: string;
  readonly layout: ImageLayout;
  /** Whether this browser offers the runtime, and what it said. */
  offer(): Promise<{ offered: boolean; detail: string }>;
  /** Shows that the runtime, though not offered, was looked for and refused. */
  assertRefused(): Promise<void>;
  /** Makes the runtime current (tfjs: switches the backend). */
  activate(): Promise<void>;
  load(fixture: CaptumFixture): Promise<Model>;
  tolerance(model: CaptumModelName, check: string): number;
  /** Live framework tensors, where the runtime can count them: checked unchanged by each call. */
  liveTensors?(): number;
  /**
   * Checks known to miss Captum on this runtime because of a bug outside salience, keyed
   * '<model>: <check>', with the reason. They are asserted to still miss, so the test fails (and
   * says to drop the entry) once the runtime is fixed.
   */
  readonly knownDivergences?: Readonly<Record<string, string>>;
}

/**
 * Registers the Captum parity tests of every method on `runtime`, or, where this browser does not
 * offer it, one test that says so and checks that the runtime refuses to start. Prints and saves
 * the measured errors (.reports/browser-parity-<runtime>.json).
 */
export async function describeCaptumParity(runtime: ParityRuntime): Promise<void> {
  const { offered, detail } = await runtime.offer();
  if (!offered) {
    describe(`${runtime.name} in Chromium`, () => {
      it(`is NOT offered by this browser (${detail}): no parity test runs on it, and it refuses to start`, async () => {
        console.log(`browser parity: ${runtime.name} is not offered here: ${detail}`);
        await runtime.assertRefused();
      });
    });
    return;
  }
  const log = new PrecisionLog(`browser-parity-${runtime.short}`);

  describe(`Captum parity on ${runtime.name} in Chromium (${detail})`, () => {
    const loaded = new Map<CaptumModelName, { fixture: CaptumFixture; model: Model; input: TensorData }>();

    beforeAll(async () => {
      await runtime.activate();
      for (const [name] of PARITY_MODELS) {
        const fixture = await loadCaptumFixture(name);
        loaded.set(name, { fixture, model: await runtime.load(fixture), input: inLayout(fixture.input, runtime.layout) });
      }
    });

    afterAll(async () => {
      for (const { model } of loaded.values()) model.dispose();
      await log.flush();
    });

    describe.each(PARITY_MODELS)('%s', (name, cases) => {
      const named = cases.map((c) => {
        const known = runtime.knownDivergences?.[`${name}: ${c.check}`];
        return [known ? `${c.check} (KNOWN DIVERGENCE, asserted: ${known})` : c.check, c, known] as const;
      });
      it.each(named)('%s', async (_title, parityCase, known) => {
        const check = parityCase.check;
        const { fixture, model, input } = loaded.get(name)!;
        const before = runtime.liveTensors?.();
        const result = await parityCase.method.attribute(model, input, { ...parityCase.options(fixture, runtime.layout), target: fixture.target });
        if (before !== undefined) expect(runtime.liveTensors?.()).toBe(before);
        const expected = parityCase.expected(fixture, runtime.layout);
        expect(result.values.shape).toEqual(expected.shape);
        const tolerance = runtime.tolerance(name, check);
        const comparison = compareMaps(result.values, expected);
        log.record(runtime.short, name, known ? `${check} [known]` : check, comparison, tolerance);
        const w = comparison.worst;
        if (known) {
          expect(comparison.relativeError, `${name} ${check} on ${runtime.name} now meets ${tolerance}: drop it from knownDivergences`).toBeGreaterThan(tolerance);
          return;
        }
        expect(
          comparison.relativeError,
          `${name} ${check} on ${runtime.name}: map ${w.map} at [${w.at.join(', ')}] is ${w.actual}, Captum's ${w.expected} (max |expected| ${w.maxAbsExpected})`,
        ).toBeLessThanOrEqual(tolerance);
      });
    });

    it('stops an aborted run with an AbortError, leaving no tensors behind', async () => {
      const { fixture, model, input } = loaded.get('colorcnn')!;
      const before = runtime.liveTensors?.();
      const controller = new AbortController();
      const aborted = integratedGradients.attribute(model, input, {
        steps: 16,
        batchSize: 4,
        target: fixture.target,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      await expect(aborted).rejects.toThrow(/abort/i);
      if (before !== undefined) expect(runtime.liveTensors?.()).toBe(before);
    });
  });
}
