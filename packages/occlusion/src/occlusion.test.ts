import {
  AbortError,
  CapabilityError,
  type Layout,
  type Model,
  type ModelOutputs,
  type ModelRequest,
  type Objective,
  OptionError,
  type OutputName,
  objectiveAndLogitGradient,
  ShapeError,
  TargetError,
  type TensorData,
  tensor,
} from '@salience/core';
import { createForwardOnlyModel, createImageModel, createTokenModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { occlusion } from './occlusion.js';
import { type WindowSize, windowGrid } from './window.js';

/** logits = W x + bias over the flattened example: the drop of a window is exactly sum_window W_t (x - baseline). */
class LinearModel implements Model {
  readonly capabilities = new Set<OutputName>(['logits']);
  readonly inputShape: readonly (number | null)[];
  calls = 0;
  rowsSeen = 0;
  largestBatch = 0;

  constructor(
    readonly layout: Layout,
    readonly rowShape: readonly number[],
    readonly weights: Float64Array,
    readonly classes: number,
    readonly bias = 0.25,
  ) {
    this.inputShape = [null, ...rowShape];
  }

  static seeded(layout: Layout, rowShape: readonly number[], classes: number): LinearModel {
    const size = rowShape.reduce((a, b) => a * b, 1);
    const weights = Float64Array.from({ length: classes * size }, (_, i) => Math.sin(1.7 * i + 0.3) * 2);
    return new LinearModel(layout, rowShape, weights, classes);
  }

  layers() {
    return [];
  }

  dispose(): void {}

  async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
    const rows = request.input.shape[0]!;
    const size = this.rowShape.reduce((a, b) => a * b, 1);
    this.calls++;
    this.rowsSeen += rows;
    this.largestBatch = Math.max(this.largestBatch, rows);
    const logits = new Float32Array(rows * this.classes);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < this.classes; c++) {
        let z = this.bias * (c + 1);
        for (let i = 0; i < size; i++) z += this.weights[c * size + i]! * request.input.data[r * size + i]!;
        logits[r * this.classes + c] = z;
      }
    }
    return { logits: { data: logits, shape: [rows, this.classes] } } as unknown as Pick<ModelOutputs, K>;
  }
}

/** Occlusion the plain way: one model row at a time, masks from clipped boxes, mean over covering windows. */
async function referenceOcclusion(
  model: Model,
  input: TensorData,
  targets: number[][],
  window: WindowSize,
  stride: WindowSize | undefined,
  baselineRow: (e: number) => Float32Array,
  objective: Objective = 'logit',
): Promise<Float32Array[]> {
  const dims = input.shape.slice(1);
  const grid = windowGrid(dims, model.layout, window, stride);
  const size = dims.reduce((a, b) => a * b, 1);
  const score = async (x: Float32Array, classes: number[]) => {
    const { logits } = await model.run({ input: { data: x, shape: [1, ...dims] }, outputs: ['logits'] });
    return classes.map((t) => objectiveAndLogitGradient(logits, Int32Array.of(t), objective).values[0]);
  };
  const maps: Float32Array[] = [];
  for (let e = 0; e < input.shape[0]!; e++) {
    const x = input.data.slice(e * size, (e + 1) * size);
    const base = await score(x, targets[e]!);
    const sums = targets[e]!.map(() => new Float64Array(size));
    const counts = new Float64Array(size);
    const total = grid.positions.reduce((a, b) => a * b, 1);
    for (let k = 0; k < total; k++) {
      const position: number[] = [];
      let rest = k;
      for (let d = dims.length - 1; d >= 0; d--) {
        position[d] = (rest % grid.positions[d]!) * grid.stride[d]!;
        rest = Math.floor(rest / grid.positions[d]!);
      }
      const inside = (i: number) => {
        let r = i;
        for (let d = dims.length - 1; d >= 0; d--) {
          const at = r % dims[d]!;
          r = Math.floor(r / dims[d]!);
          if (at < position[d]! || at >= position[d]! + grid.window[d]!) return false;
        }
        return true;
      };
      const copy = x.slice();
      const b = baselineRow(e);
      for (let i = 0; i < size; i++) if (inside(i)) copy[i] = b[i]!;
      const scores = await score(copy, targets[e]!);
      for (let i = 0; i < size; i++) {
        if (!inside(i)) continue;
        counts[i]!++;
        for (let j = 0; j < targets[e]!.length; j++) sums[j]![i]! += base[j]! - scores[j]!;
      }
    }
    for (const s of sums) maps.push(Float32Array.from(s, (v, i) => v / counts[i]!));
  }
  return maps;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tol * Math.max(1, scale)) {
      expect.fail(`value ${i}: ${actual[i]} vs expected ${expected[i]}`);
    }
  }
}

function seededInput(shape: number[], seed = 1): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Array.from({ length: n }, (_, i) => Math.cos(seed * 3.1 + i * 0.77) * 0.9),
    shape,
  );
}

const rows = (t: TensorData, i: number) => {
  const size = t.data.length / t.shape[0]!;
  return Array.from(t.data.subarray(i * size, (i + 1) * size));
};

describe('occlusion on a linear model (drops known exactly)', () => {
  const weights = Float64Array.of(1, 10, 100, 1000, 10000);
  const x = tensor([1, 2, 3, 4, 5], [1, 5]);

  it('non-overlapping windows with a truncated last one', async () => {
    const model = new LinearModel('NC', [5], weights, 1);
    const result = await occlusion.attribute(model, x, { window: 2, stride: 2, target: 0 });
    expect(Array.from(result.values.data)).toEqual([21, 21, 4300, 4300, 50000]);
    expect(result.meta.positions).toEqual([3]);
  });

  it('overlapping windows average the drops over the windows that cover each element', async () => {
    const model = new LinearModel('NC', [5], weights, 1);
    // windows [0,1] [1,2] [2,3] [3,4]: drops 21, 320, 4300, 54000; coverage 1 2 2 2 1.
    const result = await occlusion.attribute(model, x, { window: 2, stride: 1, target: 0 });
    expect(Array.from(result.values.data)).toEqual([21, 170.5, 2310, 29150, 54000]);
    expect(result.method).toBe('occlusion');
    expect(result.layout).toBe('NC');
    expect(Array.from(result.targets)).toEqual([0]);
    expect(Array.from(result.examples)).toEqual([0]);
  });

  it('a scalar baseline replaces the window with that value', async () => {
    const model = new LinearModel('NC', [5], weights, 1);
    const result = await occlusion.attribute(model, x, { window: 5, target: 0, baseline: 1 });
    const drop = 0 + 10 * 1 + 100 * 2 + 1000 * 3 + 10000 * 4;
    expect(Array.from(result.values.data)).toEqual([drop, drop, drop, drop, drop]);
  });

  it('default window tiles single features of a vector', async () => {
    const model = new LinearModel('NC', [5], weights, 1);
    const result = await occlusion.attribute(model, x, { target: 0 });
    expect(Array.from(result.values.data)).toEqual([1, 20, 300, 4000, 50000]);
    expect(result.meta).toMatchObject({ window: [1], stride: [1], perturbations: 5, baseline: 'scalar', objective: 'logit' });
  });

  it('channel windows: occluding one channel at a time in NCHW and NHWC gives each channel its own drop', async () => {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      const dims = layout === 'NCHW' ? [3, 4, 4] : [4, 4, 3];
      const model = LinearModel.seeded(layout, dims, 2);
      const input = seededInput([2, ...dims], 5);
      const window = layout === 'NCHW' ? [1, 2, 2] : [2, 2, 1];
      const result = await occlusion.attribute(model, input, { window, target: 1 });
      // Non-overlapping windows: each element's score is the sum of W_t x over its window.
      const size = 48;
      for (let e = 0; e < 2; e++) {
        const expected = new Float64Array(size);
        for (let i = 0; i < size; i++) {
          const [a, b, c] = layout === 'NCHW' ? [Math.floor(i / 16), Math.floor(i / 4) % 4, i % 4] : [Math.floor(i / 12), Math.floor(i / 3) % 4, i % 3];
          for (let j = 0; j < size; j++) {
            const [a2, b2, c2] = layout === 'NCHW' ? [Math.floor(j / 16), Math.floor(j / 4) % 4, j % 4] : [Math.floor(j / 12), Math.floor(j / 3) % 4, j % 3];
            const same = layout === 'NCHW' ? a === a2 && b >> 1 === b2 >> 1 && c >> 1 === c2 >> 1 : a >> 1 === a2 >> 1 && b >> 1 === b2 >> 1 && c === c2;
            if (same) expected[i]! += model.weights[size + j]! * input.data[e * size + j]!;
          }
        }
        expectClose(rows(result.values, e), expected);
      }
    }
  });
});

describe('occlusion against a one-row-at-a-time reference', () => {
  const cases: Array<[Layout, number[], WindowSize, WindowSize | undefined]> = [
    ['NCHW', [3, 7, 6], [3, 3, 3], 2],
    ['NCHW', [3, 7, 6], [1, 4, 3], [1, 3, 2]],
    ['NHWC', [7, 6, 3], [3, 2], [2, 1]],
    ['NHWC', [7, 6, 3], [4, 4, 2], [3, 3, 1]],
    ['NC', [9], 4, 3],
  ];

  it.each(cases)('%s %j window %j stride %j', async (layout, dims, window, stride) => {
    const model = LinearModel.seeded(layout, dims, 3);
    const input = seededInput([2, ...dims], 2);
    const result = await occlusion.attribute(model, input, { window, stride, target: [2, 0], batchSize: 7 });
    const size = dims.reduce((a, b) => a * b, 1);
    const zero = new Float32Array(size);
    const expected = await referenceOcclusion(model, input, [[2], [0]], window, stride, () => zero);
    expected.forEach((m, e) => {
      expectClose(rows(result.values, e), m);
    });
  });
});

describe('baselines', () => {
  const dims = [3, 6, 5];
  const model = () => LinearModel.seeded('NCHW', dims, 2);
  const input = seededInput([2, ...dims], 3);
  const size = 90;

  it('a tensor baseline per example and one shared by all', async () => {
    const perExample = seededInput([2, ...dims], 9);
    const got = await occlusion.attribute(model(), input, { window: [2, 2], stride: 1, target: 1, baseline: perExample });
    const want = await referenceOcclusion(model(), input, [[1], [1]], [2, 2], 1, (e) => perExample.data.subarray(e * size, (e + 1) * size));
    want.forEach((m, e) => {
      expectClose(rows(got.values, e), m);
    });

    const shared = seededInput([1, ...dims], 4);
    for (const baseline of [shared, { data: shared.data, shape: dims }]) {
      const gotShared = await occlusion.attribute(model(), input, { window: 3, target: 0, baseline });
      const wantShared = await referenceOcclusion(model(), input, [[0], [0]], 3, undefined, () => shared.data);
      wantShared.forEach((m, e) => {
        expectClose(rows(gotShared.values, e), m);
      });
      expect(gotShared.meta.baseline).toBe('tensor');
    }
  });

  it("'mean' fills the window with each channel's mean over the example", async () => {
    const got = await occlusion.attribute(model(), input, { window: 2, target: 0, baseline: 'mean' });
    const want = await referenceOcclusion(model(), input, [[0], [0]], 2, undefined, (e) => {
      const out = new Float32Array(size);
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let i = 0; i < 30; i++) sum += input.data[e * size + c * 30 + i]!;
        out.fill(sum / 30, c * 30, (c + 1) * 30);
      }
      return out;
    });
    want.forEach((m, e) => {
      expectClose(rows(got.values, e), m);
    });
  });

  it("'blur' fills the window with a Gaussian-blurred copy, equal in NCHW and NHWC", async () => {
    const got = await occlusion.attribute(model(), input, { window: 2, target: 0, baseline: 'blur', blurSigma: 1.5 });
    expect(got.meta).toMatchObject({ baseline: 'blur', blurSigma: 1.5 });
    // A constant image blurs to itself, so its occlusion equals occlusion with that constant.
    const flat = tensor(new Float32Array(2 * size).fill(0.7), [2, ...dims]);
    const blurFlat = await occlusion.attribute(model(), flat, { window: 2, target: 0, baseline: 'blur' });
    const constant = await occlusion.attribute(model(), flat, { window: 2, target: 0, baseline: 0.7 });
    expectClose(blurFlat.values.data, constant.values.data);
    expect(Math.max(...Array.from(blurFlat.values.data, Math.abs))).toBeLessThan(1e-4);
    // The blurred baseline does not depend on the layout.
    const nhwcModel = new LinearModel('NHWC', [6, 5, 3], new Float64Array(2 * size), 2);
    const toNhwc = (t: Float32Array) => {
      const out = new Float32Array(t.length);
      for (let e = 0; e < 2; e++) for (let c = 0; c < 3; c++) for (let p = 0; p < 30; p++) out[e * size + p * 3 + c] = t[e * size + c * 30 + p]!;
      return out;
    };
    const nchwModel = model();
    nhwcModel.weights.set(toNhwc(Float32Array.from(nchwModel.weights.subarray(0, size))).subarray(0, size), 0);
    nhwcModel.weights.set(toNhwc(Float32Array.from(nchwModel.weights.subarray(size))).subarray(0, size), size);
    const nhwcInput = tensor(toNhwc(input.data), [2, 6, 5, 3]);
    const gotNhwc = await occlusion.attribute(nhwcModel, nhwcInput, { window: 2, target: 0, baseline: 'blur', blurSigma: 1.5 });
    expectClose(gotNhwc.values.data, toNhwc(got.values.data), 1e-4);
  });

  it('rejects baselines that do not fit', async () => {
    await expect(occlusion.attribute(model(), input, { baseline: seededInput([3, ...dims]) })).rejects.toThrow(ShapeError);
    await expect(occlusion.attribute(model(), input, { baseline: Number.NaN })).rejects.toThrow(OptionError);
    await expect(occlusion.attribute(model(), input, { baseline: 'zeros' as never })).rejects.toThrow(OptionError);
    await expect(occlusion.attribute(model(), input, { baseline: 'blur', blurSigma: 0 })).rejects.toThrow(OptionError);
    const nan = tensor(new Float32Array(size).fill(Number.NaN), dims);
    await expect(occlusion.attribute(model(), input, { baseline: nan })).rejects.toThrow(ShapeError);
    const vector = new LinearModel('NC', [4], new Float64Array(4), 1);
    await expect(occlusion.attribute(vector, seededInput([1, 4]), { baseline: 'mean' })).rejects.toThrow(/images/);
  });
});

describe('targets, objectives and batching', () => {
  const dims = [2, 5, 4];
  const input = seededInput([3, ...dims], 6);

  it('multi-target equals separate calls, with each occluded copy run once for all targets of its example', async () => {
    const multi = LinearModel.seeded('NCHW', dims, 4);
    const both = await occlusion.attribute(multi, input, { window: 2, stride: 1, target: { classes: [3, 1] } });
    expect(Array.from(both.examples)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(both.targets)).toEqual([3, 1, 3, 1, 3, 1]);
    const positions = 4 * 3;
    expect(multi.rowsSeen).toBe(3 + 3 * positions);

    const single = LinearModel.seeded('NCHW', dims, 4);
    for (const [j, t] of [3, 1].entries()) {
      const one = await occlusion.attribute(single, input, { window: 2, stride: 1, target: t });
      for (let e = 0; e < 3; e++) expectClose(rows(both.values, 2 * e + j), rows(one.values, e));
    }
    expect(single.rowsSeen).toBe(2 * multi.rowsSeen);
  });

  it('topK targets are resolved from logits computed once', async () => {
    const model = LinearModel.seeded('NCHW', dims, 4);
    const result = await occlusion.attribute(model, input, { window: 3, target: { topK: 2 } });
    expect(result.targets.length).toBe(6);
    expect(result.meta.modelCalls).toBe(model.calls);
    expect(model.rowsSeen).toBe(3 + 3 * 4);
  });

  it('gives the same values for batchSize 1 and a large batch, never exceeding batchSize rows per call', async () => {
    const small = LinearModel.seeded('NCHW', dims, 3);
    const a = await occlusion.attribute(small, input, { window: [1, 2, 3], stride: [1, 1, 2], batchSize: 1, target: 'predicted' });
    expect(small.largestBatch).toBe(1);
    const large = LinearModel.seeded('NCHW', dims, 3);
    const b = await occlusion.attribute(large, input, { window: [1, 2, 3], stride: [1, 1, 2], batchSize: 1000, target: 'predicted' });
    expect(Array.from(a.values.data)).toEqual(Array.from(b.values.data));
    expect(large.calls).toBe(2);
    expect(a.meta.modelCalls).toBe(small.calls);
    expect(a.meta.modelRows).toBe(small.rowsSeen);
  });

  it('probability and log-probability objectives are computed from the logits', async () => {
    for (const objective of ['probability', 'log-probability'] as const) {
      const model = LinearModel.seeded('NCHW', dims, 3);
      const got = await occlusion.attribute(model, input, { window: 2, stride: 1, target: { classes: [0, 2] }, objective });
      const zero = new Float32Array(40);
      const want = await referenceOcclusion(
        model,
        input,
        [
          [0, 2],
          [0, 2],
          [0, 2],
        ],
        2,
        1,
        () => zero,
        objective,
      );
      want.forEach((m, i) => {
        expectClose(rows(got.values, i), m);
      });
      expect(got.meta.objective).toBe(objective);
    }
  });

  it('cross-entropy labels are given per example', async () => {
    const model = LinearModel.seeded('NC', [6], 3);
    const x = seededInput([2, 6], 8);
    const labels = tensor([0.2, 0.3, 0.5, 1, 0, 0], [2, 3]);
    const objective = { kind: 'cross-entropy', labels } as const;
    const got = await occlusion.attribute(model, x, { window: 2, target: { classes: [1, 2] }, objective });
    for (let e = 0; e < 2; e++) {
      const perExample = { kind: 'cross-entropy', labels: tensor(labels.data.subarray(e * 3, e * 3 + 3), [1, 3]) } as const;
      const single = tensor(x.data.subarray(e * 6, e * 6 + 6), [1, 6]);
      const want = await referenceOcclusion(model, single, [[1, 2]], 2, undefined, () => new Float32Array(6), perExample);
      want.forEach((m, j) => {
        expectClose(rows(got.values, 2 * e + j), m);
      });
    }
    await expect(occlusion.attribute(model, x, { objective: { kind: 'cross-entropy', labels: tensor([1, 0, 0], [1, 3]) } })).rejects.toThrow(ShapeError);
  });

  it('rejects targets beyond the classes and bad batch sizes before running the windows', async () => {
    const model = LinearModel.seeded('NCHW', dims, 3);
    await expect(occlusion.attribute(model, input, { target: 3 })).rejects.toThrow(TargetError);
    await expect(occlusion.attribute(model, input, { batchSize: 0 })).rejects.toThrow(OptionError);
    await expect(occlusion.attribute(model, input, { window: 2, stride: 3 })).rejects.toThrow(OptionError);
    await expect(occlusion.attribute(model, seededInput([1, 2, 5, 5]))).rejects.toThrow(ShapeError);
    expect(model.rowsSeen).toBeLessThanOrEqual(3);
  });
});

describe('abort, progress and capabilities', () => {
  const dims = [1, 6, 6];
  const input = seededInput([2, ...dims], 7);

  it('reports progress in occluded copies after every batch', async () => {
    const seen: Array<[number, number]> = [];
    await occlusion.attribute(LinearModel.seeded('NCHW', dims, 2), input, {
      window: 2,
      batchSize: 5,
      target: 0,
      onProgress: (done, total) => seen.push([done, total]),
    });
    expect(seen.map(([d]) => d)).toEqual([5, 10, 15, 18]);
    expect(seen.every(([, t]) => t === 18)).toBe(true);
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    const model = LinearModel.seeded('NCHW', dims, 2);
    const run = occlusion.attribute(model, input, {
      window: 2,
      batchSize: 4,
      target: 0,
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 8) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(AbortError);
    expect(model.rowsSeen).toBe(2 + 8);
    const already = AbortSignal.abort();
    await expect(occlusion.attribute(model, input, { target: 0, signal: already })).rejects.toThrow(AbortError);
  });

  it('needs logits only', async () => {
    expect(occlusion.requires).toEqual(['logits']);
    const blind: Model = { ...LinearModel.seeded('NCHW', dims, 2), capabilities: new Set<OutputName>(['inputGradients']) } as never;
    await expect(occlusion.attribute(blind, input)).rejects.toThrow(CapabilityError);
  });
});

describe('on the shared analytic fakes', () => {
  it('works with a forward-only model, which no gradient method can explain', async () => {
    const model = createForwardOnlyModel({ features: 7, classes: 3, seed: 4 });
    expect([...model.capabilities]).toEqual(['logits']);
    const input = seededInput([2, 7], 11);
    const result = await occlusion.attribute(model, input, { window: 3, stride: 2, target: { classes: [0, 2] }, batchSize: 4 });
    const zero = new Float32Array(7);
    const want = await referenceOcclusion(
      model,
      input,
      [
        [0, 2],
        [0, 2],
      ],
      3,
      2,
      () => zero,
    );
    want.forEach((m, i) => {
      expectClose(rows(result.values, i), m);
    });
    expect(model.largestBatch).toBeLessThanOrEqual(4);
    expect(model.requests.every((r) => r.outputs.length === 1 && r.outputs[0] === 'logits')).toBe(true);
  });

  it.each(['NCHW', 'NHWC'] as const)('matches the reference on the non-linear image fake (%s), per channel and across channels', async (layout) => {
    const model = createImageModel({ layout, channels: 3, height: 9, width: 8, classes: 4, seed: 2 });
    const dims = layout === 'NCHW' ? [3, 9, 8] : [9, 8, 3];
    const input = seededInput([2, ...dims], 12);
    const zero = new Float32Array(216);
    const perChannel = layout === 'NCHW' ? [1, 4, 3] : [4, 3, 1];
    const perChannelStride = layout === 'NCHW' ? [1, 2, 2] : [2, 2, 1];
    for (const [window, stride] of [
      [4, 3],
      [perChannel, perChannelStride],
    ] as const) {
      model.resetCounts();
      const got = await occlusion.attribute(model, input, { window, stride, target: { topK: 2 }, batchSize: 16 });
      const positions = (got.meta.positions as number[]).reduce((a, b) => a * b, 1);
      expect(model.rowsSeen).toBe(2 + 2 * positions);
      const targets = [Array.from(got.targets.subarray(0, 2)), Array.from(got.targets.subarray(2, 4))];
      const want = await referenceOcclusion(model, input, targets, window, stride, () => zero);
      want.forEach((m, i) => {
        expectClose(rows(got.values, i), m);
      });
    }
  });

  it('occludes token ids with the pad id on a token model', async () => {
    const model = createTokenModel({ vocab: 12, classes: 2, seed: 3 });
    const steps = 6;
    const ids = tensor(
      Array.from({ length: 2 * steps }, (_, i) => 1 + ((i * 5) % 11)),
      [2, steps],
    );
    const result = await occlusion.attribute(model, ids, { window: 2, stride: 1, baseline: model.params.padTokenId, target: 1 });
    expect(result.layout).toBe('NT');
    const pad = new Float32Array(steps);
    const want = await referenceOcclusion(model, ids, [[1], [1]], 2, 1, () => pad);
    want.forEach((m, e) => {
      expectClose(rows(result.values, e), m);
    });
    await expect(occlusion.attribute(model, ids, { baseline: 'blur' })).rejects.toThrow(OptionError);
  });

  it('releases the fake model on failure and abort', async () => {
    const controller = new AbortController();
    const model = createImageModel({ onRun: () => controller.abort() });
    const input = seededInput([1, ...(model.inputShape.slice(1) as number[])], 1);
    await expect(occlusion.attribute(model, input, { window: 2, signal: controller.signal })).rejects.toThrow(AbortError);
    expect(model.liveAllocations).toBe(0);
  });
});
