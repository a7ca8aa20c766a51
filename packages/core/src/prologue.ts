import { checkBatchSize, defaultBatchSize, forEachBatch } from './batching.js';
import { assertCapabilities } from './capabilities.js';
import { type Context, contextRows, resolveContext } from './context.js';
import { CapabilityError, OptionError, ShapeError } from './errors.js';
import { checkInput } from './input.js';
import type { CommonOptions } from './method.js';
import type { Layout, Model, ModelOutputs, ModelRequest, Objective, OutputName } from './model.js';
import { checkObjective, objectiveForRows } from './objective.js';
import { checkOptionKeys } from './option-keys.js';
import { checkLogitRows, resolveTargets } from './targets.js';
import type { TensorData } from './tensor.js';
import { batchSizeOf, concatRows, gatherRows, rowSize, sliceRows } from './tensor.js';

/** What a method declares about itself for the checks that open every call. */
export interface MethodSpec {
  /** The method's id, used in messages. */
  readonly id: string;
  readonly requires: readonly OutputName[];
  /**
   * The names of the method's own options; any other key (beyond `CommonOptions`) is rejected.
   * Only a wrapper of a method that does not declare its own (see `Method.optionKeys`) leaves it out.
   */
  readonly optionKeys: readonly string[] | undefined;
  /** Layouts the method explains (default: all), and what to say to a model of another layout. */
  readonly layouts?: readonly Layout[];
  readonly layoutHint?: string;
  /** Values per model row, to size the default batch (default: the input's row size). */
  readonly rowElements?: number;
  /** Compute the input's logits even when the target does not need them (occlusion, the IG delta). */
  readonly logits?: boolean;
  /** The method's own input checks (token ids...), run before core's shape check for a sharper message. */
  readonly validateInput?: () => void;
  /** The method's own checks against the model and input, run after core's and before any model call. */
  readonly check?: () => void;
}

/** Model rows of one call: their input, the example each comes from, and its target. */
export interface RowsRequest<K extends OutputName> {
  readonly input: TensorData;
  /** Example (row of the caller's input) of each model row: it picks objective labels and context rows. */
  readonly examples: ArrayLike<number>;
  /** Class of each row; absent for logits-only calls. */
  readonly targets?: ArrayLike<number>;
  readonly outputs: readonly K[];
  readonly layer?: string;
  readonly embeddings?: TensorData;
  /** Activations that replace the output of `layer` (see `ModelRequest.layerActivations`). */
  readonly layerActivations?: TensorData;
}

/** A method call after its opening checks: the resolved work and a builder for its model requests. */
export interface MethodCall {
  readonly model: Model;
  readonly input: TensorData;
  readonly batchSize: number;
  /** Example and class of every map, example-major. */
  readonly examples: Int32Array;
  readonly targets: Int32Array;
  /** The input's logits, when the target or the spec needed them. */
  readonly logits?: TensorData;
  /** The companions of the real examples, one row per example. */
  readonly context?: Context;
  readonly objective?: Objective;
  readonly signal?: AbortSignal;
  /** Model calls made so far by the prologue and through `run`. */
  readonly modelCalls: number;
  /** Whether the maps are the input's rows in order (one target per example): rows need no gathering. */
  readonly sameRows: boolean;
  /** The request for some model rows: targets, per-row objective labels, context rows and the signal. */
  request<K extends OutputName>(rows: RowsRequest<K>): ModelRequest<K>;
  /** Runs the request for some rows and counts the call. */
  run<K extends OutputName>(rows: RowsRequest<K>): Promise<Pick<ModelOutputs, K>>;
  /** The input rows of maps [start, end): a view when the maps are the input's rows, else a copy. */
  mapInput(start: number, end: number): TensorData;
  /** `forEachBatch` over `total` rows with this call's batch size and signal. */
  forEachBatch(total: number, work: (start: number, end: number) => Promise<void> | void, onProgress?: (done: number, total: number) => void): Promise<void>;
}

function layoutProblem(model: Model, spec: MethodSpec): string | undefined {
  if (!spec.layouts || spec.layouts.includes(model.layout)) return undefined;
  return spec.layoutHint ?? `'${spec.id}' explains models of layout ${spec.layouts.join(' or ')}; this model's layout is '${model.layout}'.`;
}

/** The capability check, with the layout's message first when the layout does not fit either. */
export function checkMethodFit(model: Model, spec: MethodSpec): void {
  const layout = layoutProblem(model, spec);
  try {
    assertCapabilities(model, spec.requires, `The '${spec.id}' method`);
  } catch (error) {
    if (layout && error instanceof CapabilityError) throw new CapabilityError(`${layout} ${error.message}`, error.missing);
    throw error;
  }
  if (layout) throw new OptionError(layout);
}

/** The input's logits in batches, each call carrying its rows' context. */
async function inputLogits(model: Model, input: TensorData, batchSize: number, context: Context | undefined, signal: AbortSignal | undefined) {
  const parts: TensorData[] = [];
  let calls = 0;
  await forEachBatch(
    batchSizeOf(input),
    batchSize,
    async (start, end) => {
      const examples = Int32Array.from({ length: end - start }, (_, i) => start + i);
      const rows = context ? { context: contextRows(context, examples) } : {};
      const { logits } = await model.run({ input: sliceRows(input, start, end), outputs: ['logits'], ...rows, signal });
      parts.push(checkLogitRows(logits, end - start));
      calls++;
    },
    { signal },
  );
  return { logits: concatRows(parts), calls };
}

/**
 * The opening steps of every method, in one place so that none can be forgotten: option names,
 * capabilities and layout, the input, the batch size, the objective, the context of the real
 * examples, and the targets (with the logits when needed). Returns the call's resolved work and a
 * request builder that gives every model call its targets, per-row objective labels, context rows
 * and the signal.
 */
export async function beginMethod(model: Model, input: TensorData, options: CommonOptions | undefined, spec: MethodSpec): Promise<MethodCall> {
  const opts: CommonOptions = options ?? {};
  if (spec.optionKeys) checkOptionKeys(opts, spec.optionKeys, `The '${spec.id}' method`);
  // Checked here, not where they are first used: a wrong value would be a raw TypeError mid-run.
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') {
    throw new OptionError(`onProgress must be a function (done, total) => void; got ${opts.onProgress === null ? 'null' : typeof opts.onProgress}.`);
  }
  if (opts.signal !== undefined && typeof (opts.signal as Partial<AbortSignal> | null)?.aborted !== 'boolean') {
    throw new OptionError('signal must be an AbortSignal (from an AbortController); leave it out to run to the end.');
  }
  checkMethodFit(model, spec);
  spec.validateInput?.();
  checkInput(model, input);
  const batchSize = checkBatchSize(opts.batchSize ?? defaultBatchSize(spec.rowElements ?? rowSize(input)));
  const { signal, objective } = opts;
  const exampleCount = batchSizeOf(input);
  checkObjective(objective, exampleCount);
  const context = resolveContext(model, input, opts.context);
  spec.check?.();

  let modelCalls = 0;
  let logits: TensorData | undefined;
  const target = opts.target ?? 'predicted';
  const needsLogits = target === 'predicted' || (typeof target === 'object' && target !== null && 'topK' in target);
  if (spec.logits || needsLogits) {
    const found = await inputLogits(model, input, batchSize, context, signal);
    logits = found.logits;
    modelCalls += found.calls;
    checkObjective(objective, exampleCount, logits.shape[1]);
  }
  const { examples, targets } = await resolveTargets(model, input, target, signal, { logits });
  const sameRows = examples.length === exampleCount && examples.every((e, i) => e === i);

  const request = <K extends OutputName>(rows: RowsRequest<K>): ModelRequest<K> => ({
    input: rows.input,
    outputs: rows.outputs,
    ...(rows.targets !== undefined ? { target: rows.targets } : {}),
    ...(rows.targets !== undefined && objective !== undefined ? { objective: objectiveForRows(objective, rows.examples) } : {}),
    ...(rows.layer !== undefined ? { layer: rows.layer } : {}),
    ...(rows.embeddings !== undefined ? { embeddings: rows.embeddings } : {}),
    ...(rows.layerActivations !== undefined ? { layerActivations: rows.layerActivations } : {}),
    ...(context ? { context: contextRows(context, rows.examples) } : {}),
    signal,
  });
  return {
    model,
    input,
    batchSize,
    examples,
    targets,
    logits,
    context,
    objective,
    signal,
    sameRows,
    get modelCalls() {
      return modelCalls;
    },
    request,
    async run(rows) {
      const out = await model.run(request(rows));
      modelCalls++;
      return out;
    },
    mapInput(start, end) {
      return sameRows ? sliceRows(input, start, end) : gatherRows(input, examples.subarray(start, end));
    },
    forEachBatch(total, work, onProgress) {
      return forEachBatch(total, batchSize, work, { signal, onProgress });
    },
  };
}
