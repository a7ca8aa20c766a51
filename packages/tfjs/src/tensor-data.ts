import type { TensorData } from '@salience/core';
import type { Tensor, TfNamespace } from './tf-types.js';

/**
 * A tensor of `data`, on a copy: some backends (cpu) keep the array they are given as the
 * tensor's storage, and outputs that share it (a reshape of the input) would alias the caller's data.
 */
export function tensorFrom(tf: Pick<TfNamespace, 'tensor'>, data: TensorData, dtype: 'float32' | 'int32'): Tensor {
  const values = dtype === 'int32' ? Int32Array.from(data.data) : data.data.slice();
  return tf.tensor(values, [...data.shape], dtype);
}

/** Reads a tensor with a single `data()` call. */
export async function readTensor(tensor: Tensor): Promise<TensorData> {
  const values = await tensor.data();
  return { data: values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>), shape: [...tensor.shape] };
}
