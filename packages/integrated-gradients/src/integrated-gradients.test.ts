import { AbortError, CapabilityError, createRng, gaussianBlur, type Model, OptionError, ShapeError, type TensorData } from '@salience/core';
import { createForwardOnlyModel, createImageModel, createTabularModel, createTokenModel, type TabularParams } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import type { IntegrationRound } from './integrated-gradients.js';
import { integratedGradients as ig } from './integrated-gradients.js';

const FEATURES = 6;

function randomInput(rows: number, size: number, seed = 5, scale = 1): TensorData {
  const rng = createRng(seed);
  return { data: Float32Array.from({ length: rows * size }, () => scale * rng.normal()), shape: [rows, size] };
}

/**
 * Closed-form integrated gradients of the tabular fake, whose logit is
 * W.x + a |x|^2 + V.sin(U x) + b: along x(alpha) = b + alpha (x - b) the gradient integrates to
 * W + a (x + b) + sum_j V_j U_j (sin(U_j x) - sin(U_j b)) / (U_j x - U_j b).
 */
function exactIg(p: TabularParams, x: ArrayLike<number>, base: ArrayLike<number>, target: number): Float64Array {
  const { features: F, hidden: H, W, a, U, V } = p;
  const out = new Float64Array(F);
  const mean = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let sx = 0;
    let sb = 0;
    for (let i = 0; i < F; i++) {
      sx += U[j * F + i]! * x[i]!;
      sb += U[j * F + i]! * base[i]!;
    }
    mean[j] = Math.abs(sx - sb) < 1e-12 ? Math.cos(sx) : (Math.sin(sx) - Math.sin(sb)) / (sx - sb);
  }
  for (let i = 0; i < F; i++) {
    let g = W[target * F + i]! + a[target]! * (x[i]! + base[i]!);
    for (let j = 0; j < H; j++) g += V[target * H + j]! * U[j * F + i]! * mean[j]!;
    out[i] = (x[i]! - base[i]!) * g;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const deltaOf = (meta: Readonly<Record<string, unknown>>) => meta.delta as Float32Array;
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

describe('integrated gradients on an analytic model', () => {
  const model = createTabularModel({ features: FEATURES });
  const input = randomInput(3, FEATURES);

  it('matches the closed form with the default Gauss-Legendre rule, zero baseline', async () => {
    const result = await ig.attribute(model, input, { target: { classes: [0, 2] } });
    expect(result.method).toBe('integrated-gradients');
    expect(result.layout).toBe('NC');
    expect(result.values.shape).toEqual([6, FEATURES]);
    expect(Array.from(result.examples)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(result.targets)).toEqual([0, 2, 0, 2, 0, 2]);
    for (let m = 0; m < 6; m++) {
      const x = input.data.subarray(result.examples[m]! * FEATURES, (result.examples[m]! + 1) * FEATURES);
      const exact = exactIg(model.params, x, new Float32Array(FEATURES), result.targets[m]!);
      expect(maxAbsDiff(result.values.data.subarray(m * FEATURES, (m + 1) * FEATURES), exact)).toBeLessThan(1e-5);
    }
    expect(result.meta).toMatchObject({ quadrature: 'gauss-legendre', steps: 50, baselines: 'zero', multiplyByInputs: true, objective: 'logit' });
  });

  it('is complete: the delta goes to 0 as the steps grow', async () => {
    const deltas: number[] = [];
    for (const steps of [2, 4, 8, 16]) {
      const { meta } = await ig.attribute(model, input, { target: 1, steps, quadrature: 'riemann-right' });
      deltas.push(maxAbs(deltaOf(meta)));
    }
    // A first-order rule: doubling the steps about halves the error.
    for (let i = 1; i < deltas.length; i++) expect(deltas[i]).toBeLessThan(0.7 * deltas[i - 1]!);
    const gl = await ig.attribute(model, input, { target: 1, steps: 16 });
    expect(maxAbs(deltaOf(gl.meta))).toBeLessThan(1e-5);
    // The delta is what completeness says: sum(attribution) - (F(x) - F(0)).
    const { logits } = await model.run({ input: { data: new Float32Array(3 * FEATURES), shape: [3, FEATURES] }, outputs: ['logits'] });
    const { logits: atX } = await model.run({ input, outputs: ['logits'] });
    for (let m = 0; m < 3; m++) {
      let total = 0;
      for (let i = 0; i < FEATURES; i++) total += gl.values.data[m * FEATURES + i]!;
      expect(deltaOf(gl.meta)[m]).toBeCloseTo(total - (atX.data[m * 3 + 1]! - logits.data[m * 3 + 1]!), 5);
    }
  });

  it('gives every quadrature the closed form in the limit, and Captum trapezoid n/(n-1) times less', async () => {
    const exact = (m: number) => exactIg(model.params, input.data.subarray(m * FEATURES, (m + 1) * FEATURES), new Float32Array(FEATURES), 2);
    for (const quadrature of ['riemann-left', 'riemann-right', 'riemann-middle', 'riemann-trapezoid'] as const) {
      const { values } = await ig.attribute(model, input, { target: 2, quadrature, steps: 400 });
      const tol = quadrature === 'riemann-left' || quadrature === 'riemann-right' ? 2e-2 : 1e-4;
      for (let m = 0; m < 3; m++) expect(maxAbsDiff(values.data.subarray(m * FEATURES, (m + 1) * FEATURES), exact(m))).toBeLessThan(tol);
    }
    const correct = await ig.attribute(model, input, { target: 2, quadrature: 'riemann-trapezoid', steps: 32 });
    const captum = await ig.attribute(model, input, { target: 2, quadrature: 'riemann-trapezoid', steps: 32, captumTrapezoid: true });
    expect(
      maxAbsDiff(
        captum.values.data,
        correct.values.data.map((v) => (v * 31) / 32),
      ),
    ).toBeLessThan(1e-6);
    expect(captum.meta.captumTrapezoid).toBe(true);
  });

  it('integrates from constant and tensor baselines, shared or per example', async () => {
    const perExample = randomInput(3, FEATURES, 9, 0.5);
    const shared = { data: perExample.data.slice(0, FEATURES), shape: [FEATURES] };
    for (const [baselines, baseOf] of [
      [0.5, () => new Float32Array(FEATURES).fill(0.5)],
      [perExample, (m: number) => perExample.data.subarray(m * FEATURES, (m + 1) * FEATURES)],
      [shared, () => shared.data],
      [{ data: shared.data, shape: [1, FEATURES] }, () => shared.data],
    ] as const) {
      const result = await ig.attribute(model, input, { target: 0, baselines });
      for (let m = 0; m < 3; m++) {
        const exact = exactIg(model.params, input.data.subarray(m * FEATURES, (m + 1) * FEATURES), baseOf(m), 0);
        expect(maxAbsDiff(result.values.data.subarray(m * FEATURES, (m + 1) * FEATURES), exact)).toBeLessThan(1e-5);
      }
      expect(maxAbs(deltaOf(result.meta))).toBeLessThan(1e-5);
    }
  });

  it('averages several baselines, the delta with them (expected-gradients style)', async () => {
    const list = await ig.attribute(model, input, { target: 1, baselines: ['zero', 0.5, -0.25] });
    const alone = await Promise.all([0, 0.5, -0.25].map((b) => ig.attribute(model, input, { target: 1, baselines: b })));
    const mean = list.values.data.map((_, i) => (alone[0]!.values.data[i]! + alone[1]!.values.data[i]! + alone[2]!.values.data[i]!) / 3);
    expect(maxAbsDiff(list.values.data, mean)).toBeLessThan(1e-6);
    const meanDelta = deltaOf(list.meta).map((_, m) => alone.reduce((s, r) => s + deltaOf(r.meta)[m]!, 0) / 3);
    expect(maxAbsDiff(deltaOf(list.meta), meanDelta)).toBeLessThan(1e-6);
    expect(list.meta.baselineCount).toBe(3);

    const sampled = await ig.attribute(model, input, { target: 1, baselines: { samples: 4, from: { kind: 'uniform', range: [-1, 1] } }, seed: 3 });
    expect(maxAbs(deltaOf(sampled.meta))).toBeLessThan(1e-5);
    const again = await ig.attribute(model, input, { target: 1, baselines: { samples: 4, from: { kind: 'uniform', range: [-1, 1] } }, seed: 3 });
    expect(again.values.data).toEqual(sampled.values.data);
    const other = await ig.attribute(model, input, { target: 1, baselines: { samples: 4, from: { kind: 'uniform', range: [-1, 1] } }, seed: 4 });
    expect(maxAbsDiff(other.values.data, sampled.values.data)).toBeGreaterThan(1e-3);
  });

  it('returns the path-integrated gradient without (x - baseline) when multiplyByInputs is false', async () => {
    const times = await ig.attribute(model, input, { target: 0, baselines: 0.25 });
    const plain = await ig.attribute(model, input, { target: 0, baselines: 0.25, multiplyByInputs: false });
    const rebuilt = plain.values.data.map((g, i) => g * (input.data[i]! - 0.25));
    expect(maxAbsDiff(rebuilt, times.values.data)).toBeLessThan(1e-6);
    // The delta still measures completeness of the attribution proper.
    expect(maxAbsDiff(deltaOf(plain.meta), deltaOf(times.meta))).toBeLessThan(1e-7);
    expect(plain.meta.multiplyByInputs).toBe(false);
  });

  it('explains several targets in the same batches as separate calls would', async () => {
    model.resetCounts();
    const both = await ig.attribute(model, input, { target: { classes: [2, 0] }, steps: 10 });
    const calls = model.calls;
    const separate = await Promise.all([2, 0].map((t) => ig.attribute(model, input, { target: t, steps: 10 })));
    for (let m = 0; m < 6; m++) {
      const e = Math.floor(m / 2);
      const from = separate[m % 2]!;
      expect(both.values.data.subarray(m * FEATURES, (m + 1) * FEATURES)).toEqual(from.values.data.subarray(e * FEATURES, (e + 1) * FEATURES));
      expect(deltaOf(both.meta)[m]).toBeCloseTo(deltaOf(from.meta)[e]!, 6);
    }
    // 6 pairs x 10 steps in one gradient call; the 3 inputs and the zero baseline in one logits call.
    expect(calls).toBe(2);
    expect(both.meta.modelCalls).toBe(2);
  });

  it('resolves predicted and top-k targets, reusing their logits for the delta', async () => {
    model.resetCounts();
    const top = await ig.attribute(model, input, { target: { topK: 2 }, steps: 8 });
    expect(top.values.shape).toEqual([6, FEATURES]);
    // logits for topK, one gradient call, one logits call for the baseline row only.
    expect(model.calls).toBe(3);
    expect(model.requests[1]).toMatchObject({ rows: 1, outputs: ['logits'] });
    expect(top.meta.modelCalls).toBe(3);
    const predicted = await ig.attribute(model, input, { steps: 8 });
    expect(Array.from(predicted.targets)).toEqual(Array.from(top.targets).filter((_, i) => i % 2 === 0));
  });

  it('gives the same values for any batch size, never exceeding it', async () => {
    const options = { target: { classes: [0, 1] }, steps: 7, baselines: ['zero', 0.3] } as const;
    model.resetCounts();
    const one = await ig.attribute(model, input, { ...options, batchSize: 1 });
    expect(model.largestBatch).toBe(1);
    // 6 pairs x 2 baselines x 7 steps gradient rows; the logits of 3 inputs and 2 shared baselines.
    expect(one.meta.gradientRows).toBe(84);
    expect(one.meta.endpointRows).toBe(5);
    expect(model.calls).toBe(84 + 5);
    model.resetCounts();
    const some = await ig.attribute(model, input, { ...options, batchSize: 5 });
    expect(model.largestBatch).toBe(5);
    const all = await ig.attribute(model, input, { ...options, batchSize: 1000 });
    expect(some.values.data).toEqual(one.values.data);
    expect(all.values.data).toEqual(one.values.data);
    expect(all.meta.batchSize).toBe(1000);
  });

  it('reports progress in rows up to the total', async () => {
    const seen: Array<[number, number]> = [];
    await ig.attribute(model, input, { target: 0, steps: 10, batchSize: 8, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.length).toBe(4);
    expect(seen.at(-1)).toEqual([30, 30]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThan(seen[i - 1]![0]);
  });

  it('stops between batches when aborted, and before any work when already aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const counting = createTabularModel({
      features: FEATURES,
      onRun: () => {
        calls++;
        if (calls === 3) controller.abort();
      },
    });
    await expect(ig.attribute(counting, input, { target: 0, batchSize: 4, signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(calls).toBe(3);
    calls = 0;
    await expect(ig.attribute(counting, input, { target: 0, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(calls).toBe(0);
  });

  it('uses the objective at both ends of the path, cross-entropy labels per example included', async () => {
    for (const objective of ['probability', 'log-probability'] as const) {
      const { meta } = await ig.attribute(model, input, { target: { classes: [0, 1] }, objective, steps: 64 });
      expect(maxAbs(deltaOf(meta))).toBeLessThan(1e-4);
      expect(meta.objective).toBe(objective);
    }
    const labels = { data: Float32Array.from([0.2, 0.5, 0.3, 1, 0, 0, 0, 0.4, 0.6]), shape: [3, 3] };
    const objective = { kind: 'cross-entropy', labels } as const;
    const both = await ig.attribute(model, input, { target: { classes: [0, 1] }, objective, steps: 64, batchSize: 5 });
    expect(maxAbs(deltaOf(both.meta))).toBeLessThan(1e-4);
    const one = await ig.attribute(model, input, { target: 1, objective, steps: 64 });
    for (let e = 0; e < 3; e++) {
      expect(maxAbsDiff(both.values.data.subarray((2 * e + 1) * FEATURES, (2 * e + 2) * FEATURES), one.values.data.subarray(e * FEATURES, (e + 1) * FEATURES))).toBeLessThan(1e-7);
    }
  });
});

describe('adaptive steps', () => {
  const model = createTabularModel({ features: FEATURES });
  const input = randomInput(2, FEATURES, 11);

  it('doubles Riemann steps until the tolerance, computing every point once', async () => {
    model.resetCounts();
    const result = await ig.attribute(model, input, { target: 0, quadrature: 'riemann-right', steps: 8, tolerance: 1e-2 });
    const rounds = result.meta.rounds as IntegrationRound[];
    expect(result.meta.converged).toBe(true);
    expect(maxAbs(deltaOf(result.meta))).toBeLessThan(1e-2);
    expect(rounds.length).toBeGreaterThan(2);
    expect(rounds[0]).toMatchObject({ steps: 8, evaluatedSteps: 8, reusedSteps: 0 });
    rounds.slice(1).forEach((r, i) => {
      expect(r).toMatchObject({ steps: 16 * 2 ** i, evaluatedSteps: 8 * 2 ** i, reusedSteps: 8 * 2 ** i });
    });
    const final = result.meta.steps as number;
    expect(final).toBe(rounds.at(-1)!.steps);
    expect(result.meta.stepsHistory).toEqual(rounds.map((r) => r.steps));
    expect(result.meta.deltaHistory).toEqual(rounds.map((r) => r.maxAbsDelta));
    expect(rounds.at(-2)!.maxAbsDelta).toBeGreaterThanOrEqual(1e-2);
    // Reuse: the model saw each of the final rule's points once per example, plus the endpoints.
    expect(model.rowsSeen).toBe(2 * final + 3);
    expect(result.meta.gradientRows).toBe(2 * final);
    const direct = await ig.attribute(model, input, { target: 0, quadrature: 'riemann-right', steps: final });
    expect(maxAbsDiff(direct.values.data, result.values.data)).toBeLessThan(1e-6);
    expect(maxAbsDiff(deltaOf(direct.meta), deltaOf(result.meta))).toBeLessThan(1e-6);
  });

  it('refines the trapezoid by halving its intervals, Captum weights or not', async () => {
    for (const captumTrapezoid of [false, true]) {
      model.resetCounts();
      const result = await ig.attribute(model, input, { target: 1, quadrature: 'riemann-trapezoid', steps: 5, tolerance: 1e-9, maxSteps: 33, captumTrapezoid });
      expect(result.meta.stepsHistory).toEqual([5, 9, 17, 33]);
      expect(model.rowsSeen).toBe(2 * 33 + 3);
      const direct = await ig.attribute(model, input, { target: 1, quadrature: 'riemann-trapezoid', steps: 33, captumTrapezoid });
      expect(maxAbsDiff(direct.values.data, result.values.data)).toBeLessThan(1e-6);
    }
  });

  it('recomputes every point where the rules do not nest, and stops at maxSteps', async () => {
    model.resetCounts();
    const result = await ig.attribute(model, input, { target: 2, quadrature: 'riemann-middle', steps: 3, tolerance: 1e-12, maxSteps: 40 });
    expect(result.meta).toMatchObject({ converged: false, reusesPoints: false, steps: 24, stepsHistory: [3, 6, 12, 24] });
    expect((result.meta.rounds as IntegrationRound[]).every((r) => r.reusedSteps === 0 && r.evaluatedSteps === r.steps)).toBe(true);
    expect(model.rowsSeen).toBe(2 * (3 + 6 + 12 + 24) + 3);
    const gl = await ig.attribute(model, input, { target: 2, steps: 2, tolerance: 1e-6 });
    expect(gl.meta.converged).toBe(true);
    expect(maxAbs(deltaOf(gl.meta))).toBeLessThan(1e-6);
    expect((gl.meta.rounds as IntegrationRound[]).at(-1)!.reusedSteps).toBe(0);
  });

  it('stops at once when the first rule is within tolerance', async () => {
    const result = await ig.attribute(model, input, { target: 2, tolerance: 1 });
    expect(result.meta).toMatchObject({ steps: 50, converged: true, stepsHistory: [50], tolerance: 1, maxSteps: 1024 });
  });
});

describe('integrated gradients on images', () => {
  it('is complete on NCHW and NHWC images, with blurred and noise baselines', async () => {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      const model = createImageModel({ layout });
      const input = { ...randomInput(2, 90, 4), shape: layout === 'NCHW' ? [2, 3, 6, 5] : [2, 6, 5, 3] };
      for (const baselines of ['zero', 'blur', { kind: 'blur', sigma: 1 }, 'uniform'] as const) {
        const result = await ig.attribute(model, input, { target: { classes: [0, 2] }, baselines, steps: 32 });
        expect(result.layout).toBe(layout);
        expect(result.values.shape).toEqual([4, ...input.shape.slice(1)]);
        expect(maxAbs(deltaOf(result.meta))).toBeLessThan(1e-4);
      }
      const blurred = gaussianBlur(input, layout, 1);
      const viaTensor = await ig.attribute(model, input, { target: 1, baselines: blurred, steps: 8 });
      const viaBlur = await ig.attribute(model, input, { target: 1, baselines: { kind: 'blur', sigma: 1 }, steps: 8 });
      expect(viaBlur.values.data).toEqual(viaTensor.values.data);
    }
  });
});

describe('option and model checks', () => {
  const model = createTabularModel({ features: FEATURES });
  const input = randomInput(2, FEATURES);

  it('rejects bad options with OptionError before calling the model', async () => {
    const bad = [
      { quadrature: 'simpson' },
      { steps: 0 },
      { steps: 2.5 },
      { quadrature: 'riemann-trapezoid', steps: 1 },
      { captumTrapezoid: true },
      { quadrature: 'riemann-trapezoid', captumTrapezoid: 'yes' },
      { multiplyByInputs: 1 },
      { tolerance: 0 },
      { tolerance: Number.NaN },
      { maxSteps: 100 },
      { tolerance: 1e-3, maxSteps: 10 },
      { batchSize: 0 },
      { baselines: 'ones' },
      { baselines: { samples: -1, from: 'uniform' } },
      { baselines: 'blur' },
    ];
    model.resetCounts();
    for (const options of bad) {
      await expect(ig.attribute(model, input, { target: 0, ...(options as object) })).rejects.toBeInstanceOf(OptionError);
    }
    expect(model.calls).toBe(0);
  });

  it('rejects baselines and inputs of the wrong shape with ShapeError', async () => {
    await expect(ig.attribute(model, input, { target: 0, baselines: randomInput(3, FEATURES) })).rejects.toBeInstanceOf(ShapeError);
    await expect(ig.attribute(model, randomInput(2, FEATURES + 1), { target: 0 })).rejects.toBeInstanceOf(ShapeError);
  });

  it('rejects gradients of the wrong shape from a model with ShapeError', async () => {
    const inner = createTabularModel({ features: FEATURES });
    const broken: Model = {
      layout: inner.layout,
      inputShape: inner.inputShape,
      capabilities: inner.capabilities,
      layers: () => inner.layers(),
      dispose: () => inner.dispose(),
      run: async (request) => {
        const out = await inner.run(request);
        if (!('inputGradients' in out)) return out;
        const g = (out as { inputGradients: TensorData }).inputGradients;
        return { ...out, inputGradients: { data: g.data.subarray(1), shape: [g.data.length - 1] } };
      },
    };
    await expect(ig.attribute(broken, input, { target: 0 })).rejects.toBeInstanceOf(ShapeError);
  });

  it('needs gradients and logits, and refuses token ids', async () => {
    await expect(ig.attribute(createForwardOnlyModel(), input, { target: 0 })).rejects.toBeInstanceOf(CapabilityError);
    const noLogits = createTabularModel({ capabilities: ['inputGradients'] });
    await expect(ig.attribute(noLogits, input, { target: 0 })).rejects.toThrow(/logits/);
    const tokens = createTokenModel({ capabilities: ['logits', 'embeddingGradients'] });
    await expect(ig.attribute(tokens, { data: new Float32Array([1, 2]), shape: [1, 2] }, { target: 0 })).rejects.toBeInstanceOf(CapabilityError);
  });
});
