import type * as tfc from '@tensorflow/tfjs-core';

export type Tensor = tfc.Tensor;

/**
 * The parts of the user's TensorFlow.js namespace that the adapter uses. Any build works:
 * `@tensorflow/tfjs`, `@tensorflow/tfjs-node`, or `@tensorflow/tfjs-core` with layers/converter.
 */
export type TfNamespace = Pick<
  typeof tfc,
  | 'tidy'
  | 'keep'
  | 'dispose'
  | 'tensor'
  | 'scalar'
  | 'zeros'
  | 'zerosLike'
  | 'grads'
  | 'customGrad'
  | 'oneHot'
  | 'ones'
  | 'cast'
  | 'argMax'
  | 'softmax'
  | 'logSoftmax'
  | 'mul'
  | 'sum'
  | 'add'
  | 'neg'
  | 'memory'
  | 'engine'
  | 'getBackend'
  | 'findBackend'
  | 'getKernel'
  | 'registerKernel'
  | 'unregisterKernel'
  | 'getGradient'
  | 'registerGradient'
  | 'backend_util'
  | 'pad'
  | 'stridedSlice'
  | 'slice'
  | 'equal'
  | 'logicalAnd'
  | 'where'
  | 'stack'
  | 'reshape'
  | 'relu'
  | 'greater'
  | 'lessEqual'
  | 'split'
  | 'concat'
  | 'sub'
  | 'div'
  | 'abs'
  | 'less'
  | 'maximum'
  | 'minimum'
>;

/** The Keras-style layer surface the adapter needs (structural, so tfjs-layers stays optional). */
export interface TfjsLayer {
  readonly name: string;
  getClassName(): string;
  getConfig(): object;
  call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[];
  /** The layer's weight variables (empty for layers without weights). */
  readonly weights: readonly unknown[];
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  /** A getter that throws for layers whose calls have different shapes. */
  readonly outputShape: readonly (number | null)[] | readonly (readonly (number | null)[])[];
}

/** A `tf.LayersModel` (Sequential or functional). */
export interface TfjsLayersModel extends TfjsLayer {
  readonly layers: readonly TfjsLayer[];
  readonly inputs: readonly { readonly shape: readonly (number | null)[]; readonly dtype: string }[];
  readonly outputs: readonly { readonly shape: readonly (number | null)[] }[];
  apply(inputs: Tensor | Tensor[], kwargs?: Record<string, unknown>): unknown;
  dispose(): unknown;
}

/** A `tf.GraphModel` from @tensorflow/tfjs-converter. */
export interface TfjsGraphModel {
  readonly inputs: readonly { readonly name: string; readonly shape?: readonly number[]; readonly dtype?: string }[];
  readonly outputs: readonly { readonly name: string; readonly shape?: readonly number[]; readonly dtype?: string }[];
  execute(inputs: Record<string, Tensor>, outputs?: string | string[]): Tensor | Tensor[];
  executeAsync(inputs: Record<string, Tensor>, outputs?: string | string[]): Promise<Tensor | Tensor[]>;
  /** The graph's constants (its weights) by node name. */
  readonly weights?: Readonly<Record<string, readonly Tensor[]>>;
}

/** A model written as a function of a batch. */
export type TfjsFunction = (x: Tensor) => Tensor;

export type TfjsSource = TfjsLayersModel | TfjsGraphModel | TfjsFunction;

export function isGraphModel(source: TfjsSource): source is TfjsGraphModel {
  // A LayersModel has an `execute` too, but no `executeAsync`, and it has layers.
  return (
    typeof source === 'object' && source !== null && typeof (source as TfjsGraphModel).executeAsync === 'function' && !Array.isArray((source as Partial<TfjsLayersModel>).layers)
  );
}

export function isLayersModel(source: TfjsSource): source is TfjsLayersModel {
  return typeof source === 'object' && source !== null && typeof (source as TfjsLayersModel).apply === 'function' && Array.isArray((source as TfjsLayersModel).layers);
}
