import { readFile } from 'node:fs/promises';
import { createRng, OptionError, type TensorData, UnknownLayerError } from '@salience/core';
import { fromOnnx, type OnnxModel, type OrtModule } from '@salience/onnx';
import {
  checkMethodAbort,
  checkMethodBatchBound,
  checkMethodBatching,
  checkMethodCapabilities,
  checkMethodDescription,
  checkMethodDeterminism,
  checkMethodInputErrors,
  checkMethodNoMutation,
  checkMethodOptionErrors,
  checkMethodOutput,
  checkMethodProgress,
  checkMethodSeeds,
  checkMethodTargetErrors,
  expectMapsClose,
  type MethodConformanceSubject,
  type ParsedFixture,
  parseFixtureArrays,
} from '@salience/testing';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attentionRollout, rolloutStep } from './attention-rollout.js';

const at = (file: string) => new URL(`../fixtures/cam/${file}`, import.meta.url);

describe('rolloutStep', () => {
  it('averages the heads with the identity and multiplies into the rollout', () => {
    // 2 heads, 2 tokens; the mean attention is [[0.5, 0.5], [0, 1]].
    const attention = Float32Array.from([1, 0, 0, 1, 0, 1, 0, 1]);
    const rollout = Float64Array.from([1, 0, 0, 1]);
    rolloutStep(attention, 2, 2, 'mean', rollout);
    // (A + I) / 2 = [[0.75, 0.25], [0, 1]].
    expect(Array.from(rollout)).toEqual([0.75, 0.25, 0, 1]);
    rolloutStep(attention, 2, 2, 'max', rollout);
    // max fusion [[1, 1], [0, 1]] + I, rows renormalised: [[2/3, 1/3], [0, 1]].
    expect(rollout[0]).toBeCloseTo(0.5, 12);
    expect(rollout[1]).toBeCloseTo(0.5, 12);
  });
});

describe('attention rollout on a transformers ViT (onnxruntime-node)', () => {
  let fixture: ParsedFixture;
  let model: OnnxModel;

  beforeAll(async () => {
    fixture = parseFixtureArrays(await readFile(at('vit.json'), 'utf8'), await readFile(at('vit.bin')));
    model = await fromOnnx(ortNode as unknown as OrtModule, new Uint8Array(await readFile(at('vit.onnx'))), { sessionOptions: { intraOpNumThreads: 1 } });
  });
  afterAll(() => model.dispose());

  it.each(['mean', 'max'] as const)("matches the rollout of transformers' attention probabilities (heads fused by %s)", async (headFusion) => {
    const result = await attentionRollout.attribute(model, fixture.arrays.input!, { headFusion, resolution: 'layer', batchSize: 2 });
    expect(result.meta).toMatchObject({ layers: ['/vit/layers.0/attention/Softmax_output_0', '/vit/layers.1/attention/Softmax_output_0'], tokenGrid: { prefixTokens: 1 } });
    expectMapsClose(result.values, fixture.arrays[`rollout_${headFusion}`]!, 1e-4, `rollout ${headFusion}`);
    const named = await attentionRollout.attribute(model, fixture.arrays.input!, { headFusion, resolution: 'layer', layers: result.meta.layers as string[] });
    expect(Array.from(named.values.data)).toEqual(Array.from(result.values.data));
  });

  it('rejects unknown or misshapen layers and fusions before running the model', async () => {
    const input = fixture.arrays.input!;
    await expect(attentionRollout.attribute(model, input, { layers: ['nope'] })).rejects.toThrow(UnknownLayerError);
    await expect(attentionRollout.attribute(model, input, { layers: ['vit.layers.1.layernorm_before'] })).rejects.toThrow(OptionError);
    await expect(attentionRollout.attribute(model, input, { headFusion: 'median' as never })).rejects.toThrow(OptionError);
  });
});

// Class-agnostic like EigenCAM: every check of the suite but "another target changes the map".
describe('attention-rollout conforms to the Method contract (class-agnostic), on the ViT', async () => {
  const model = await fromOnnx(ortNode as unknown as OrtModule, new Uint8Array(await readFile(at('vit.onnx'))), { sessionOptions: { intraOpNumThreads: 1 } });
  afterAll(() => model.dispose());
  const input: TensorData = { data: createRng(3).fillUniform(new Float32Array(3 * 3 * 32 * 32)), shape: [3, 3, 32, 32] };
  const subject = { method: attentionRollout, model, input, badOptions: [{ headFusion: 'median' }, { resolution: 'nope' }] } as unknown as MethodConformanceSubject;
  const checks: [string, (s: MethodConformanceSubject) => Promise<void>][] = [
    ['description', checkMethodDescription],
    ['output', checkMethodOutput],
    ['batching', checkMethodBatching],
    ['batch bound', checkMethodBatchBound],
    ['determinism', checkMethodDeterminism],
    ['seeds', checkMethodSeeds],
    ['option errors', checkMethodOptionErrors],
    ['input errors', checkMethodInputErrors],
    ['target errors', checkMethodTargetErrors],
    ['capabilities', checkMethodCapabilities],
    ['abort', checkMethodAbort],
    ['progress', checkMethodProgress],
    ['no mutation', checkMethodNoMutation],
  ];
  it.each(checks)('%s', (_, check) => check(subject));
});
