import {
  type Attribution,
  beginMethod,
  type ChannelReduction,
  type CommonOptions,
  inputShapedMaps,
  type Method,
  type Model,
  OptionError,
  objectiveName,
  rowSize,
  ShapeError,
  type TensorData,
} from '@salience/core';
import { assertBackwardRules } from './backward-capability.js';
import { checkChannelReduction, gradientLayouts } from './method-spec.js';

export interface DeepLiftOptions {
  /**
   * The reference input: a number for every value (default 0), one row (the input's shape without
   * the batch, or with a batch of 1) shared by every example, or one row per example.
   */
  readonly baseline?: number | TensorData;
  /** Reduce the channel axis of image maps to one value per pixel; off by default (raw values as Captum). */
  readonly channelReduction?: ChannelReduction;
}

const OPTION_KEYS: readonly (keyof DeepLiftOptions)[] = ['baseline', 'channelReduction'];

/** Writes the baseline row of `example` into `out`; checks the option before any model call. */
function baselineRows(baseline: DeepLiftOptions['baseline'], input: TensorData): (example: number, out: Float32Array) => void {
  const size = rowSize(input);
  if (baseline === undefined) return (_e, out) => out.fill(0);
  if (typeof baseline === 'number') {
    if (!Number.isFinite(baseline)) throw new OptionError(`baseline is ${baseline}; a constant baseline must be a finite number.`);
    return (_e, out) => out.fill(baseline);
  }
  if (typeof baseline !== 'object' || baseline === null || !(baseline.data instanceof Float32Array) || !Array.isArray(baseline.shape)) {
    throw new OptionError('baseline must be a number or a TensorData { data: Float32Array, shape }.');
  }
  const rest = input.shape.slice(1);
  const same = (shape: readonly number[]) => shape.length === rest.length && shape.every((d, i) => d === rest[i]);
  const shared = same(baseline.shape) || (baseline.shape[0] === 1 && same(baseline.shape.slice(1)));
  const perExample = baseline.shape[0] === input.shape[0] && same(baseline.shape.slice(1));
  if ((!shared && !perExample) || baseline.data.length !== (perExample ? input.shape[0] : 1)! * size) {
    throw new OptionError(`baseline has shape [${baseline.shape.join(', ')}]; give one row [${rest.join(', ')}] or one per example [${input.shape.join(', ')}].`);
  }
  for (let i = 0; i < baseline.data.length; i++) {
    if (!Number.isFinite(baseline.data[i])) throw new ShapeError(`baseline value ${i} is ${baseline.data[i]}; baselines must be finite.`);
  }
  return perExample ? (e, out) => out.set(baseline.data.subarray(e * size, (e + 1) * size)) : (_e, out) => out.set(baseline.data.subarray(0, size));
}

/**
 * DeepLIFT with the rescale rule (Shrikumar et al. 2017; Captum's DeepLift): every map is
 * (x - baseline) * multipliers, the multipliers backpropagated with each nonlinearity passing
 * dy * Δout / Δin against the baseline. Each model call holds the maps' rows and then their
 * baselines, so a call of n maps has 2n rows: one backward pass per map and its baseline, and
 * `batchSize` bounds the rows (maps per call: half of it, at least 1).
 */
export const deepLift: Method<DeepLiftOptions> = {
  id: 'deep-lift',
  requires: ['inputGradients'],
  optionKeys: OPTION_KEYS,
  async attribute(model: Model, input: TensorData, options: DeepLiftOptions & CommonOptions = {}): Promise<Attribution> {
    const id = 'deep-lift';
    const { channelReduction } = options;
    let fill: (example: number, out: Float32Array) => void = () => undefined;
    const call = await beginMethod(model, input, options, {
      id,
      requires: ['inputGradients'],
      optionKeys: OPTION_KEYS,
      ...gradientLayouts(id),
      check: () => {
        checkChannelReduction(channelReduction);
        fill = baselineRows(options.baseline, input);
        assertBackwardRules(model, ['rescale'], id);
      },
    });
    const { examples, targets } = call;
    const size = rowSize(input);
    const maps = examples.length;
    const values = new Float32Array(maps * size);
    const perCall = Math.max(1, Math.floor(call.batchSize / 2));
    let calls = 0;
    await call.forEachBatch(
      maps,
      async (start, end) => {
        // forEachBatch's chunks are batchSize maps; each runs as calls of perCall maps and their baselines.
        for (let from = start; from < end; from += perCall) {
          const to = Math.min(end, from + perCall);
          const n = to - from;
          const rows = call.mapInput(from, to);
          const paired = new Float32Array(2 * n * size);
          paired.set(rows.data.subarray(0, n * size));
          for (let r = 0; r < n; r++) fill(examples[from + r]!, paired.subarray((n + r) * size, (n + r + 1) * size));
          const ex = examples.subarray(from, to);
          const tg = targets.subarray(from, to);
          const request = call.request({
            input: { data: paired, shape: [2 * n, ...input.shape.slice(1)] },
            examples: Int32Array.from([...ex, ...ex]),
            targets: Int32Array.from([...tg, ...tg]),
            outputs: ['inputGradients'],
          });
          const { inputGradients } = await model.run({ ...request, backward: { rescale: true } });
          calls++;
          const out = values.subarray(from * size, to * size);
          for (let i = 0; i < out.length; i++) out[i] = (paired[i]! - paired[n * size + i]!) * inputGradients.data[i]!;
        }
      },
      options.onProgress,
    );
    return {
      method: id,
      ...inputShapedMaps(values, maps, input, model.layout, channelReduction),
      examples,
      targets,
      meta: {
        backward: 'rescale',
        baseline: typeof options.baseline === 'number' ? options.baseline : options.baseline ? 'tensor' : 0,
        channelReduction: channelReduction ?? null,
        objective: objectiveName(options.objective),
        batchSize: call.batchSize,
        modelCalls: call.modelCalls + calls,
      },
    };
  },
};
