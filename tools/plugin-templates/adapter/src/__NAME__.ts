import type { Layout, LayerInfo, Model, ModelOutputs, ModelRequest, OutputName, TensorData } from '@salience/core';
import {
  GRADIENT_OUTPUTS,
  ModelError,
  OptionError,
  SalienceError,
  assertCapabilities,
  checkInput,
  checkObjective,
  objectiveAndLogitGradient,
  rowTargets,
  throwIfAborted,
} from '@salience/core';
import { PLUGIN } from './plugin.js'; // plugin-stamp

/** A model written as plain JavaScript functions of one example. */
export interface __Pascal__Spec {
  /** How the input is laid out; default 'NC' (a feature vector). */
  readonly layout?: Exclude<Layout, 'tokens'>;
  /** The input shape with null for the batch, e.g. [null, 6] or [null, 28, 28, 1]. */
  readonly inputShape: readonly (number | null)[];
  readonly classes: number;
  /** The logits of one example (its values in the model's layout): `classes` numbers. */
  forward(x: Float32Array): ArrayLike<number>;
  /**
   * Optional, enables `inputGradients`: the gradient with respect to `x` of
   * sum_c logitGradient[c] * logits[c] (a vector-Jacobian product), one number per value of x.
   */
  backward?(x: Float32Array, logitGradient: Float32Array): ArrayLike<number>;
}

/** A salience Model with a count of the scratch buffers its calls hold (0 between calls). */
export type __Pascal__Model = Model & { readonly liveBuffers: number };

function checked(values: ArrayLike<number>, length: number, what: string): ArrayLike<number> {
  if (values?.length !== length) throw new ModelError(`${what} returned ${values?.length} values`, new Error(`expected ${length}`));
  for (let i = 0; i < length; i++) {
    if (!Number.isFinite(values[i])) throw new ModelError(`${what} returned a non-finite value at ${i}`, new Error(String(values[i])));
  }
  return values;
}

/**
 * Wraps plain JavaScript functions as a salience `Model`: logits always, input gradients (for every
 * objective, chained through `objectiveAndLogitGradient`) when `backward` is given.
 */
export function __camel__(spec: __Pascal__Spec): __Pascal__Model {
  const layout = spec.layout ?? 'NC';
  if (!Number.isInteger(spec.classes) || spec.classes < 1) throw new OptionError(`classes must be a positive integer; got ${spec.classes}.`);
  if (spec.inputShape[0] !== null) throw new OptionError('inputShape must start with null, the batch.');
  const capabilities = new Set<OutputName>(spec.backward ? ['logits', 'inputGradients'] : ['logits']);
  let disposed = false;
  let liveBuffers = 0;

  async function compute<K extends OutputName>(model: Model, request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
    throwIfAborted(request.signal);
    if (disposed) throw new SalienceError('MODEL_FAILED', 'This model was disposed; create a new one to run it again.');
    const outputs = request.outputs as readonly OutputName[];
    if (!Array.isArray(outputs) || outputs.length === 0) throw new OptionError("A request needs at least one output, e.g. outputs: ['logits'].");
    assertCapabilities(model, outputs, 'This request');
    if (request.embeddings !== undefined) throw new OptionError('This model takes no embeddings.');
    checkInput(model, request.input);
    const rows = request.input.shape[0];
    const size = request.input.data.length / rows;
    const wantsGradients = outputs.some((o) => GRADIENT_OUTPUTS.includes(o));
    checkObjective(request.objective, rows, spec.classes);
    // Bad targets fail before any work; 'predicted' needs the logits first.
    if (wantsGradients && request.target !== 'predicted') {
      rowTargets(request.target, rows, { data: new Float32Array(0), shape: [rows, spec.classes] });
    }

    const logits = new Float32Array(rows * spec.classes);
    for (let r = 0; r < rows; r++) {
      const x = request.input.data.slice(r * size, (r + 1) * size);
      logits.set(checked(spec.forward(x), spec.classes, 'forward()'), r * spec.classes);
    }
    const result: Partial<ModelOutputs> = {};
    if (outputs.includes('logits')) result.logits = { data: logits, shape: [rows, spec.classes] };
    if (outputs.includes('inputGradients')) {
      const logitsData: TensorData = { data: logits, shape: [rows, spec.classes] };
      const targets = rowTargets(request.target, rows, logitsData);
      const { gradient } = objectiveAndLogitGradient(logitsData, targets, request.objective);
      const grads = new Float32Array(rows * size);
      for (let r = 0; r < rows; r++) {
        const x = request.input.data.slice(r * size, (r + 1) * size);
        const g = gradient.subarray(r * spec.classes, (r + 1) * spec.classes);
        grads.set(checked(spec.backward!(x, g), size, 'backward()'), r * size);
      }
      result.inputGradients = { data: grads, shape: [...request.input.shape] };
    }
    // A runtime would await its work here: the signal may have fired meanwhile.
    await Promise.resolve();
    throwIfAborted(request.signal);
    return result as Pick<ModelOutputs, K>;
  }

  const model: __Pascal__Model = {
    layout,
    inputShape: [...spec.inputShape],
    capabilities,
    plugin: PLUGIN, // plugin-stamp
    get liveBuffers() {
      return liveBuffers;
    },
    layers: (): readonly LayerInfo[] => [],
    async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
      liveBuffers++;
      try {
        return await compute(model, request);
      } catch (error) {
        if (error instanceof SalienceError) throw error;
        throw new ModelError('The model function threw', error);
      } finally {
        liveBuffers--;
      }
    },
    dispose() {
      disposed = true;
    },
  };
  return model;
}
