import {
  beginMethod,
  type CommonOptions,
  checkLogitRows,
  gatherRows,
  type MethodCall,
  type Model,
  type Objective,
  OptionError,
  objectiveAndLogitGradient,
  ShapeError,
  sameShape,
  TargetError,
  type TensorData,
  type ValuesLayout,
} from '@salience/core';
import { type Features, resolveFeatures } from './feature-mask.js';

/** Option names every method of this package accepts. */
export const FEATURE_OPTION_KEYS: readonly (keyof FeatureOptions)[] = ['featureMask', 'baseline'];

/** What replaces the features left out of a coalition: a number (default 0) or a tensor. */
export type ShapleyBaseline = number | TensorData;

export interface FeatureOptions {
  /** Feature id per element of an example, or per pixel `[H, W]` for images (`gridMask`). Default: every element. */
  readonly featureMask?: TensorData;
  /** What fills the features left out: a number (default 0; a token model's pad id), one row for all, or one per example. */
  readonly baseline?: ShapleyBaseline;
}

export const VALUES_LAYOUT: Record<Model['layout'], ValuesLayout> = { NCHW: 'NCHW', NHWC: 'NHWC', NC: 'NC', tokens: 'NT' };

/** A method call after its checks: features, baseline, resolved (example, class) pairs. */
export interface PreparedCall {
  /** The call after core's opening checks: `call.run` counts model calls and carries context rows. */
  readonly call: MethodCall;
  readonly features: Features;
  readonly baselineOf: (e: number) => number | Float32Array;
  readonly baselineKind: 'scalar' | 'tensor';
  readonly batchSize: number;
  readonly examples: Int32Array;
  readonly targets: Int32Array;
  /** Pairs of example e: `pairsOf[e]`. */
  readonly pairsOf: readonly number[][];
}

function resolveBaseline(baseline: ShapleyBaseline | undefined, input: TensorData): Pick<PreparedCall, 'baselineOf' | 'baselineKind'> {
  const rowShape = input.shape.slice(1);
  const size = rowShape.reduce((a, b) => a * b, 1);
  if (baseline === undefined || typeof baseline === 'number') {
    const value = baseline ?? 0;
    if (!Number.isFinite(value)) throw new OptionError(`baseline must be a finite number; got ${value}.`);
    return { baselineKind: 'scalar', baselineOf: () => value };
  }
  if (typeof baseline !== 'object' || baseline === null || !('data' in baseline) || !('shape' in baseline)) {
    throw new OptionError(`Unknown baseline ${JSON.stringify(baseline)}; use a number or a tensor.`);
  }
  if (baseline.data.some((v) => !Number.isFinite(v))) throw new ShapeError('The baseline has non-finite values.');
  if (sameShape(baseline.shape, input.shape)) return { baselineKind: 'tensor', baselineOf: (e) => baseline.data.subarray(e * size, (e + 1) * size) };
  if (sameShape(baseline.shape, rowShape) || sameShape(baseline.shape, [1, ...rowShape])) {
    const shared = baseline.data.subarray(0, size);
    return { baselineKind: 'tensor', baselineOf: () => shared };
  }
  throw new ShapeError(`baseline has shape [${baseline.shape.join(', ')}]; give one per example [${input.shape.join(', ')}] or one for all [${rowShape.join(', ')}].`);
}

/** Core's opening checks (option names, capabilities, input, batch size, objective, targets) and this package's: features and baseline. */
export async function prepareCall(id: string, model: Model, input: TensorData, options: FeatureOptions & CommonOptions, optionKeys: readonly string[]): Promise<PreparedCall> {
  let features!: Features;
  let baseline!: Pick<PreparedCall, 'baselineOf' | 'baselineKind'>;
  const call = await beginMethod(model, input, options, {
    id,
    requires: ['logits'],
    optionKeys,
    check: () => {
      features = resolveFeatures(options.featureMask, input.shape.slice(1), model.layout);
      baseline = resolveBaseline(options.baseline, input);
    },
  });
  const pairsOf: number[][] = Array.from({ length: input.shape[0]! }, () => []);
  call.examples.forEach((e, p) => {
    pairsOf[e]!.push(p);
  });
  return { call, features, ...baseline, batchSize: call.batchSize, examples: call.examples, targets: call.targets, pairsOf };
}

/** Checks the model's logits for a batch and the targets against its classes. */
export function checkLogits(logits: TensorData, rows: number, targets: Int32Array): void {
  checkLogitRows(logits, rows);
  const classes = logits.shape[1]!;
  targets.forEach((t, p) => {
    if (t >= classes) throw new TargetError(`Target ${t} (map ${p}) does not exist: the model has ${classes} classes (0..${classes - 1}).`);
  });
}

/** The objective for (logits row, class) pairs; cross-entropy labels are rows of the input's examples. */
export function objectiveScores(logits: TensorData, rows: Int32Array, classes: Int32Array, exampleOf: Int32Array, objective: Objective | undefined): Float32Array {
  const width = logits.shape[1]!;
  if (objective === undefined || objective === 'logit') return Float32Array.from(rows, (r, i) => logits.data[r * width + classes[i]!]!);
  const forPairs: Objective = typeof objective === 'object' && objective.labels ? { ...objective, labels: gatherRows(objective.labels, exampleOf) } : objective;
  return objectiveAndLogitGradient(gatherRows(logits, rows), classes, forPairs).values;
}

/** Scores every target of the example of each row: returns, per row, the scores of its pairs in `pairsOf` order. */
export function scoreRows(logits: TensorData, exampleOfRow: ArrayLike<number>, call: PreparedCall, objective: Objective | undefined): Float32Array[] {
  const rows: number[] = [];
  const pairs: number[] = [];
  for (let r = 0; r < exampleOfRow.length; r++) {
    for (const p of call.pairsOf[exampleOfRow[r]!]!) {
      rows.push(r);
      pairs.push(p);
    }
  }
  const scores = objectiveScores(
    logits,
    Int32Array.from(rows),
    Int32Array.from(pairs, (p) => call.targets[p]!),
    Int32Array.from(pairs, (p) => call.examples[p]!),
    objective,
  );
  const out: Float32Array[] = [];
  let i = 0;
  for (let r = 0; r < exampleOfRow.length; r++) {
    const n = call.pairsOf[exampleOfRow[r]!]!.length;
    out.push(scores.subarray(i, i + n));
    i += n;
  }
  return out;
}
