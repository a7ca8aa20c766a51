import type { Objective } from '@salience/core';
import type { Tensor, TfNamespace } from './tf-types.js';

type ObjectiveTf = Pick<TfNamespace, 'tensor' | 'ones' | 'oneHot' | 'cast' | 'argMax' | 'softmax' | 'logSoftmax' | 'mul' | 'sum' | 'neg'>;

/**
 * The sum over rows of each row's objective, as a scalar tensor to differentiate. Rows are
 * independent, so the gradient of the sum gives every row its own gradient. `targets` are
 * class indices, or 'predicted' for each row's argmax (taken from the same logits, on device).
 * Cross-entropy's labels are given ([B, classes]) or the one-hot of the targets.
 */
export function objectiveSum(tf: ObjectiveTf, logits: Tensor, targets: Int32Array | 'predicted', objective: Objective = 'logit'): Tensor {
  const classes = logits.shape[1]!;
  const indices = targets === 'predicted' ? tf.argMax(logits, 1) : tf.tensor(targets, [targets.length], 'int32');
  // oneHot's own float32 dtype is wrong on wasm 4.22 (it writes integer bits): cast instead.
  // tf.oneHot refuses a depth of 1, which a single-logit model (a binary score) has.
  const oneHot = classes === 1 ? tf.ones([logits.shape[0]!, 1]) : tf.cast(tf.oneHot(indices, classes), 'float32');
  if (objective === 'logit') return tf.sum(tf.mul(logits, oneHot));
  if (objective === 'probability') return tf.sum(tf.mul(tf.softmax(logits), oneHot));
  if (objective === 'log-probability') return tf.sum(tf.mul(tf.logSoftmax(logits), oneHot));
  const labels = objective.labels ? tf.tensor(objective.labels.data, [...objective.labels.shape], 'float32') : oneHot;
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), labels)));
}
