import type { LayerInfo } from '@salience/core';

/** A named intermediate output of an analytic network. */
export interface AnalyticLayer {
  readonly info: LayerInfo;
  /** Shape of the layer's output for one row whose differentiable input has shape `inputRowShape`. */
  rowShape(inputRowShape: readonly number[]): number[];
}

/** Everything the forward pass of one row computed, kept for its backward pass. */
export interface RowState {
  readonly x: Float64Array;
  readonly rowShape: readonly number[];
  readonly logits: Float64Array;
  /** Output of every layer, flattened in the model's layout. */
  readonly layers: Readonly<Record<string, Float64Array>>;
}

/**
 * A network small enough to differentiate by hand, one row at a time and in float64. Its input is
 * the differentiable one: features, an image, or token embeddings [T, D].
 */
export interface AnalyticNet {
  readonly classes: number;
  readonly layers: readonly AnalyticLayer[];
  forward(x: Float64Array, rowShape: readonly number[]): RowState;
  /** d objective / d input and d objective / d each layer, given d objective / d logits. */
  backward(state: RowState, logitGradient: ArrayLike<number>): { input: Float64Array; layers: Readonly<Record<string, Float64Array>> };
}
