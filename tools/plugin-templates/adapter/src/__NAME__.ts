import type { Layout, Model, ModelOutputs, ModelRequest, OutputName, RequestPlan } from '@salience/core';
import { logitGradient, ModelError, OptionError, planRequest, SalienceError, throwIfAborted } from '@salience/core';
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
 * objective, chained through `logitGradient`) when `backward` is given. `planRequest`
 * from core checks each request; what is left here is the runtime's work.
 */
export function __camel__(spec: __Pascal__Spec): __Pascal__Model {
  const { classes, forward, backward } = spec;
  if (!Number.isInteger(classes) || classes < 1) throw new OptionError(`classes must be a positive integer; got ${classes}.`);
  if (spec.inputShape[0] !== null) throw new OptionError('inputShape must start with null, the batch.');
  const layout = spec.layout ?? 'NC';
  const inputShape = [...spec.inputShape];
  const capabilities = new Set<OutputName>(backward ? ['logits', 'inputGradients'] : ['logits']);
  let disposed = false;
  let liveBuffers = 0;

  function compute(plan: RequestPlan): Partial<ModelOutputs> {
    const { input, rows } = plan;
    const size = input.data.length / rows;
    const example = (r: number) => input.data.slice(r * size, (r + 1) * size);
    const logits = { data: new Float32Array(rows * classes), shape: [rows, classes] };
    for (let r = 0; r < rows; r++) logits.data.set(checked(forward(example(r)), classes, 'forward()'), r * classes);
    const result: Partial<ModelOutputs> = plan.wanted.has('logits') ? { logits } : {};
    if (plan.gradients) {
      // d objective / d logits, then through backward(): the only gradient output is inputGradients.
      const gradient = logitGradient(plan, logits);
      const grads = new Float32Array(rows * size);
      for (let r = 0; r < rows; r++) grads.set(checked(backward!(example(r), gradient.subarray(r * classes, (r + 1) * classes)), size, 'backward()'), r * size);
      result.inputGradients = { data: grads, shape: [...input.shape] };
    }
    return result;
  }

  const model: __Pascal__Model = {
    layout,
    inputShape,
    capabilities,
    plugin: PLUGIN, // plugin-stamp
    get liveBuffers() {
      return liveBuffers;
    },
    layers: () => [],
    async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
      const plan = planRequest({ layout, inputShape, capabilities, classes, disposed }, request);
      liveBuffers++;
      try {
        const result = compute(plan);
        // A runtime would await its work here: the signal may have fired meanwhile.
        await Promise.resolve();
        throwIfAborted(request.signal);
        return result as Pick<ModelOutputs, K>;
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
