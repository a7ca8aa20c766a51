// The proof that the checks work: on the planted-evidence benchmark (tools/train-planted-cnn.ts
// trained the CNN; its weights are in test/planted-cnn/), real methods pass and the negative
// controls fail. Runs on tfjs's wasm backend (the cpu backend's convolutions are far slower).
import type { Model } from '@salience/core';
import { gradCam } from '@salience/grad-cam';
import { gradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { occlusion } from '@salience/occlusion';
import { borrowCpuBackwardKernels, fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlantedCnn, plantedCnnTraining } from '../../test/planted-model.js';
import { randomMap, sobelEdges } from '../checks/controls.js';
import type { MethodSpec } from '../checks/method-entry.js';
import type { SanityReport } from '../checks/report.js';
import { reportTable } from '../checks/report-table.js';
import { runSanityChecks } from '../checks/run-sanity-checks.js';
import { plantedCnn, tfjsTrainer } from '../tfjs/index.js';
import { plantedShapes } from './planted-shapes.js';

const REAL = ['gradient', 'integrated-gradients', 'grad-cam', 'occlusion'];
const CONTROLS = ['sobel-edges', 'random'];

/** Cheap settings of the real methods for the checks that run them many times. */
const METHODS: MethodSpec[] = [
  gradient,
  { method: integratedGradients, options: { steps: 8 } },
  gradCam,
  { method: occlusion, options: { window: 4, stride: 4 } },
  sobelEdges,
  randomMap,
];

const verdict = (report: SanityReport, method: string, check: string) => report.verdicts.find((v) => v.method === method && v.check === check)!;

describe('the planted-evidence benchmark', () => {
  let model: Model;
  let net: tf.LayersModel;
  const before = { tensors: 0 };

  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    borrowCpuBackwardKernels(tf);
    net = await loadPlantedCnn(tf);
    model = fromTfjs(tf, net);
    before.tensors = tf.memory().numTensors;
  });

  afterAll(() => {
    // Every copy, trained model and map was freed.
    expect(tf.memory().numTensors).toBe(before.tensors);
    net.dispose();
  });

  it('has a CNN that classifies held-out images', () => {
    const training = plantedCnnTraining();
    expect(training.heldOutAccuracy).toBeGreaterThanOrEqual(0.97);
  });

  it('gives gradient, integrated gradients, Grad-CAM and occlusion a pointing-game hit rate of 90% or more on held-out images', async () => {
    const heldOut = plantedShapes({ count: 40, seed: 2 });
    const report = await runSanityChecks(
      model,
      [gradient, { method: integratedGradients, options: { steps: 16 } }, gradCam, { method: occlusion, options: { window: 3, stride: 1 } }, randomMap],
      { input: heldOut.input, labels: heldOut.labels, masks: heldOut.masks },
      { checks: ['localization'] },
    );
    console.log(`pointing game on 40 held-out images:\n${reportTable(report)}`);
    for (const name of REAL) expect(verdict(report, name, 'localization')).toMatchObject({ passed: true, threshold: 0.9 });
    expect(verdict(report, 'random', 'localization')).toMatchObject({ passed: false });
    expect(verdict(report, 'random', 'localization').value).toBeLessThan(0.25);
    // Relevance mass: each real method puts more of its positive relevance in the box than chance.
    for (const m of report.methods.filter((m) => REAL.includes(m.name))) expect(m.localization!.relevanceMass).toBeGreaterThan(2 * m.localization!.chance);
  });

  it('fails the input-only and random controls on parameter randomisation, and passes the real methods', async () => {
    const heldOut = plantedShapes({ count: 10, seed: 3 });
    // Cascading only (the unit tests cover the layer-by-layer mode): 7 randomised copies.
    const report = await runSanityChecks(
      model,
      METHODS,
      { input: heldOut.input, labels: heldOut.labels },
      { checks: ['parameter-randomization'], parameterRandomization: { modes: ['cascading'] } },
    );
    console.log(`parameter randomisation:\n${reportTable(report)}`);
    const layers = ['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3', 'logits'];
    for (const m of report.methods) {
      const result = m.parameterRandomization!;
      expect(result.layers).toEqual(layers);
      expect(result.cascading.map((s) => s.layer)).toEqual([...layers].reverse());
      expect(result.independent).toEqual([]);
      console.log(`${m.name}: cascading spearmanAbs ${result.cascading.map((s) => `${s.layer} ${s.similarity.spearmanAbs.toFixed(2)}`).join(', ')}`);
    }
    for (const name of REAL) expect(verdict(report, name, 'parameter-randomization').passed).toBe(true);
    for (const name of CONTROLS) expect(verdict(report, name, 'parameter-randomization')).toMatchObject({ passed: false, value: 1 });
    // Randomising more layers moves the gradient's maps further from the trained ones.
    const cascade = report.methods[0]!.parameterRandomization!.cascading.map((s) => s.similarity.spearmanAbs);
    expect(cascade[cascade.length - 1]).toBeLessThan(cascade[0]!);
  });

  it('fails the input-only control on label randomisation after a few seconds of training, and passes the real methods', async () => {
    const training = plantedShapes({ count: 64, seed: 1 });
    const heldOut = plantedShapes({ count: 10, seed: 3 });
    const trainer = tfjsTrainer(tf, { build: (seed) => plantedCnn(tf, { seed }), input: training.input, epochs: 2 });
    const report = await runSanityChecks(
      model,
      METHODS,
      { input: heldOut.input, labels: heldOut.labels, training: { input: training.input, labels: training.labels } },
      { checks: ['label-randomization'], labelRandomization: { trainer } },
    );
    console.log(`label randomisation:\n${reportTable(report)}`);
    const accuracy = report.methods[0]!.labelRandomization!.accuracy!;
    expect(accuracy.reference).toBe(1);
    expect(accuracy.randomized).toBeLessThan(0.6);
    for (const name of REAL) expect(verdict(report, name, 'label-randomization').passed).toBe(true);
    expect(verdict(report, 'sobel-edges', 'label-randomization')).toMatchObject({ passed: false, value: 1 });
  });

  it('passes the real methods on deletion, and fails the random map and the edge detector', async () => {
    const heldOut = plantedShapes({ count: 10, seed: 3 });
    const report = await runSanityChecks(model, METHODS, { input: heldOut.input, labels: heldOut.labels }, { checks: ['deletion'], deletion: { steps: 8, randomOrders: 2 } });
    console.log(`deletion:\n${reportTable(report)}`);
    for (const name of REAL) expect(verdict(report, name, 'deletion').passed).toBe(true);
    for (const name of CONTROLS) expect(verdict(report, name, 'deletion').passed).toBe(false);
    for (const m of report.methods.filter((m) => REAL.includes(m.name))) expect(m.deletion!.insertionPassed).toBe(true);
  });

  it('measures infidelity and max-sensitivity: the signed gradient is far more faithful than a random map', async () => {
    const heldOut = plantedShapes({ count: 6, seed: 4 });
    const report = await runSanityChecks(
      model,
      [{ method: gradient, options: { variant: 'signed' }, name: 'signed gradient' }, gradCam, randomMap],
      { input: heldOut.input, labels: heldOut.labels },
      { checks: ['infidelity', 'max-sensitivity'], infidelity: { samples: 5 }, maxSensitivity: { samples: 3 } },
    );
    console.log(`infidelity and max-sensitivity:\n${reportTable(report)}`);
    const [signed, cam, random] = report.methods;
    expect(signed!.infidelity!.mean).toBeLessThan(random!.infidelity!.mean / 10);
    expect(cam!.maxSensitivity!.mean).toBeLessThan(random!.maxSensitivity!.mean);
    for (const v of report.verdicts) expect(v.passed).toBeNull();
  });
});
