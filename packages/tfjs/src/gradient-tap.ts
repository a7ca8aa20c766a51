import type { Tensor, TfNamespace } from './tf-types.js';

/**
 * An identity on `value` whose backward pass hands the incoming gradient to `onGradient`.
 * It also takes a scalar `anchor` that `tf.grads` differentiates with respect to: that puts the
 * tap on the tape's path even when the gradient is not wanted all the way down to the input, so
 * backpropagation stops at the tapped layer instead of running through the whole model.
 */
export function gradientTap(tf: Pick<TfNamespace, 'customGrad' | 'zerosLike'>, onGradient: (dy: Tensor) => void): (value: Tensor, anchor: Tensor) => Tensor {
  return tf.customGrad((value, anchor) => ({
    // A new tensor id: the tape cannot tell an identity apart from its input otherwise.
    value: (value as Tensor).clone(),
    gradFunc: (dy) => {
      const gradient = Array.isArray(dy) ? dy[0] : dy;
      onGradient(gradient);
      return [gradient, tf.zerosLike(anchor as Tensor)];
    },
  })) as (value: Tensor, anchor: Tensor) => Tensor;
}
