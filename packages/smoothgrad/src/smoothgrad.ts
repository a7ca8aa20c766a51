import {
  type Attribution,
  beginMethod,
  type CommonOptions,
  checkLimit,
  contextRows,
  type Method,
  type Model,
  objectiveForRows,
  rowSize,
  ShapeError,
  sizeOf,
  type TensorData,
  type ValuesLayout,
} from '@salience/core';
import { countingModel } from './counting-model.js';
import { createMoments, type Moments } from './moments.js';
import { noisyRows } from './noise.js';
import { checkStatistic, type NoisePlan, planNoise, SMOOTHGRAD_OPTION_KEYS, type SmoothGradOptions, type SmoothGradStatistic } from './options.js';

const IDS: Record<SmoothGradStatistic, string> = { mean: 'smoothgrad', 'mean-of-squares': 'smoothgrad-squared', variance: 'vargrad' };

/**
 * Wraps any method: runs it on noisy copies of the input and returns the mean, mean of squares
 * or variance of its maps. The wrapper knows nothing of the inner method's options and passes
 * them through; `defaults` are the wrapper's own options, which every call may override.
 *
 * All noisy rows of all examples and targets go through the inner method in chunks of at most
 * `batchSize` rows, each with an explicit target per row (resolved once, on the clean input).
 */
export function smoothGrad<O extends object>(inner: Method<O>, defaults: SmoothGradOptions = {}): Method<O & SmoothGradOptions> {
  const id = IDS[checkStatistic(defaults.statistic ?? 'mean')];
  // Bad defaults fail here rather than at the first call; noise can only be checked against an input.
  planNoise({ ...defaults, noise: undefined }, {}, []);
  // The wrapper's options and the inner method's, when it declares them; else the inner checks its own.
  const optionKeys = inner.optionKeys ? [...SMOOTHGRAD_OPTION_KEYS, ...inner.optionKeys] : undefined;
  return {
    id,
    requires: inner.requires,
    ...(optionKeys ? { optionKeys } : {}),
    async attribute(model: Model, input: TensorData, options = {} as O & SmoothGradOptions & CommonOptions): Promise<Attribution> {
      const counted = countingModel(model);
      let plan!: NoisePlan;
      // Targets are resolved once, on the clean input; every noisy row then has an explicit one.
      const call = await beginMethod(counted, input, options, {
        id,
        requires: inner.requires,
        optionKeys,
        layouts: ['NCHW', 'NHWC', 'NC'],
        layoutHint: 'Noise on token ids means nothing; wrap a method that differentiates the embeddings and add the noise there instead.',
        check: () => {
          plan = planNoise(defaults, options, input.shape);
          checkLimit('samples', plan.samples, options.limits);
        },
      });
      const { examples, targets, batchSize, signal } = call;
      const { onProgress } = options;
      const size = rowSize(input);
      const pairs = examples.length;
      const totalRows = plan.samples * pairs;
      const noise = noisyRows(input, plan);
      const passThrough = innerOptions(options);
      const rowShape = input.shape.slice(1);
      const chunk = new Float32Array(Math.min(batchSize, totalRows) * size);

      let moments: Moments | undefined;
      let mapShape: readonly number[] = [];
      let layout: ValuesLayout = model.layout as ValuesLayout;
      let innerMeta: Readonly<Record<string, unknown>> = {};

      await call.forEachBatch(
        totalRows,
        async (start, end) => {
          const rows = end - start;
          const rowTargets = new Int32Array(rows);
          const rowExamples = new Int32Array(rows);
          for (let i = 0; i < rows; i++) {
            const sample = Math.floor((start + i) / pairs);
            const pair = (start + i) % pairs;
            rowTargets[i] = targets[pair]!;
            rowExamples[i] = examples[pair]!;
            noise.write(sample, examples[pair]!, chunk.subarray(i * size, (i + 1) * size));
          }
          const result = await inner.attribute(counted, { data: chunk.subarray(0, rows * size), shape: [rows, ...rowShape] }, {
            ...passThrough,
            target: rowTargets,
            objective: objectiveForRows(options.objective, rowExamples),
            ...(call.context ? { context: contextRows(call.context, rowExamples) } : {}),
            batchSize,
            signal,
          } as O & CommonOptions);
          checkInnerResult(inner.id, result, rowTargets);
          if (!moments) {
            mapShape = result.values.shape.slice(1);
            layout = result.layout;
            innerMeta = result.meta;
            moments = createMoments(plan.statistic, pairs, sizeOf(mapShape));
          } else if (result.values.shape.slice(1).join() !== mapShape.join()) {
            throw new ShapeError(`'${inner.id}' returned maps of shape [${result.values.shape.slice(1)}] after maps of shape [${mapShape}]; SmoothGrad needs one shape.`);
          }
          const mapSize = sizeOf(mapShape);
          for (let i = 0; i < rows; i++) {
            moments.add((start + i) % pairs, result.values.data.subarray(i * mapSize, (i + 1) * mapSize));
          }
        },
        onProgress,
      );

      const stdev = plan.stdev;
      return {
        method: id,
        values: { data: moments!.finish(plan.samples), shape: [pairs, ...mapShape] },
        layout,
        examples,
        targets,
        meta: {
          inner: { id: inner.id, meta: innerMeta },
          statistic: plan.statistic,
          samples: plan.samples,
          noise: plan.noise ? 'given' : 'seeded',
          stdev: stdev === undefined ? null : typeof stdev === 'number' ? stdev : Array.from(noise.stdevs!),
          relativeStdev: stdev !== undefined && typeof stdev === 'object' ? stdev.relative : null,
          clamp: plan.clamp ?? null,
          seed: plan.noise ? null : plan.seed,
          batchSize,
          modelCalls: counted.calls,
        },
      };
    },
  };
}

/** SmoothGrad-squared (Captum's smoothgrad_sq): the mean of the squared maps. */
export function smoothGradSquared<O extends object>(inner: Method<O>, defaults: SmoothGradOptions = {}): Method<O & SmoothGradOptions> {
  return smoothGrad(inner, { ...defaults, statistic: 'mean-of-squares' });
}

/** VarGrad: the population variance of the maps over the noise. */
export function varGrad<O extends object>(inner: Method<O>, defaults: SmoothGradOptions = {}): Method<O & SmoothGradOptions> {
  return smoothGrad(inner, { ...defaults, statistic: 'variance' });
}

/** Everything but the wrapper's own options and what it sets per chunk. */
function innerOptions(options: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...options };
  for (const key of SMOOTHGRAD_OPTION_KEYS) delete out[key];
  // Progress is reported by the wrapper, in noisy rows; the inner method's is per chunk.
  delete out.onProgress;
  return out;
}

function checkInnerResult(innerId: string, result: Attribution, rowTargets: Int32Array): void {
  const rows = rowTargets.length;
  const oneMapPerRow =
    result.values.shape[0] === rows &&
    result.examples.length === rows &&
    result.examples.every((e: number, i: number) => e === i) &&
    result.targets.every((t: number, i: number) => t === rowTargets[i]);
  if (!oneMapPerRow) {
    throw new ShapeError(`'${innerId}' returned ${result.values.shape[0]} maps for ${rows} noisy rows with one target each; SmoothGrad needs one map per row, in order.`);
  }
}
