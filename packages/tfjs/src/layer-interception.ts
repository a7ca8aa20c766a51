import { OptionError } from '@salience/core';
import type { Interception } from './source.js';
import type { Tensor, TfjsLayer } from './tf-types.js';

type CallFn = TfjsLayer['call'];

/**
 * Runs `work` with each layer's `call` wrapped so that its output goes through the interception
 * (or is replaced by the given tensor). The wrappers live on the layer instances only for the
 * duration of `work` and are removed afterwards, also when `work` throws.
 */
export function withInterceptedLayers<T>(interceptions: ReadonlyArray<readonly [TfjsLayer, Interception]>, work: () => T): T {
  const restores: Array<() => void> = [];
  try {
    for (const [layer, interception] of interceptions) restores.push(interceptLayer(layer, interception));
    return work();
  } finally {
    for (const restore of restores.reverse()) restore();
  }
}

function interceptLayer(layer: TfjsLayer, { given, intercept }: Interception): () => void {
  const target = layer as { call: CallFn };
  const hadOwnCall = Object.hasOwn(layer, 'call');
  const original = target.call;
  let calls = 0;
  target.call = (inputs, kwargs) => {
    calls += 1;
    if (calls > 1) {
      throw new OptionError(`Layer '${layer.name}' runs more than once in a forward pass (a shared layer), so its output is ambiguous; choose a layer that runs once.`);
    }
    const output: Tensor | Tensor[] = given ?? Reflect.apply(original, layer, [inputs, kwargs]);
    if (!Array.isArray(output)) return intercept(output);
    // Nested models return their single output in a list.
    if (output.length === 1) return [intercept(output[0]!)];
    throw new OptionError(`Layer '${layer.name}' has ${output.length} outputs; choose a layer with a single output.`);
  };
  return () => {
    if (hadOwnCall) target.call = original;
    else delete (target as Partial<typeof target>).call;
  };
}
