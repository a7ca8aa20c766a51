import type { WorkLimit } from './limits.js';
import type { Model, Objective, OutputName } from './model.js';
import type { PluginStamp } from './plugin.js';
import type { Target } from './targets.js';
import type { TensorData } from './tensor.js';

/** How the values of an attribution are laid out: the input's layout, or a reduced map. */
export type ValuesLayout = 'NCHW' | 'NHWC' | 'NC' | 'NHW' | 'NT' | 'NTD';

export interface CommonOptions {
  /** Which classes to explain; default 'predicted'. */
  readonly target?: Target;
  /** What is differentiated for each target; default 'logit' (Captum's convention). */
  readonly objective?: Objective;
  /** Most examples in one model call; the default is sized from the input (see `defaultBatchSize`). */
  readonly batchSize?: number;
  /** Seed for any randomness; the same seed gives the same numbers on every platform. */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /**
   * The model's other inputs for each example (attention_mask, token_type_ids...), batch first, one
   * row per example of the input. They override what `model.contextOf` derives, and every model
   * call carries the rows of its examples.
   */
  readonly context?: Readonly<Record<string, TensorData>>;
  /** Raise the documented limits on work (steps, samples, windows...); see `WORK_LIMITS`. */
  readonly limits?: Readonly<Partial<Record<WorkLimit, number>>>;
  /** Called after each model call with the work done so far, in the method's own units. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The result of a method: raw scores, never post-processed (abs, reduction, colour are separate steps). */
export interface Attribution {
  /** The id of the method that made it. */
  readonly method: string;
  /** One map per (example, target) pair, batch first. */
  readonly values: TensorData;
  readonly layout: ValuesLayout;
  /** Input row that each map explains. */
  readonly examples: Int32Array;
  /** Class that each map explains. */
  readonly targets: Int32Array;
  /** Method-specific facts: parameters used, convergence delta, timings, model calls. */
  readonly meta: Readonly<Record<string, unknown>>;
}

/**
 * A method is a value with one verb and declared needs; no base classes. `requires` is checked
 * against the model's capabilities before any work.
 */
export interface Method<Options extends object = object> {
  readonly id: string;
  readonly requires: readonly OutputName[];
  /** Set by methods published as plugins: their package and the core they were built against. */
  readonly plugin?: PluginStamp;
  /**
   * The names of the method's own options, when it declares them: a call with any other key
   * (beyond `CommonOptions`) is rejected, and wrappers such as SmoothGrad check keys before any work.
   */
  readonly optionKeys?: readonly string[];
  attribute(model: Model, input: TensorData, options?: Options & CommonOptions): Promise<Attribution>;
}

/** The options type of a method value. */
export type OptionsOf<M> = M extends Method<infer O> ? O : never;
