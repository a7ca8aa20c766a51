import { ShapeError, type TensorData } from '@salience/core';
import type { ContextType, FedData, OrtModule, Tensor } from './ort-types.js';

/** Token ids arrive as floats (the core contract); the graph takes int64 or int32. */
export function idsAs(type: 'int64' | 'int32', ids: Float32Array): BigInt64Array | Int32Array {
  if (type === 'int32') return Int32Array.from(ids);
  const out = new BigInt64Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = BigInt(ids[i]!);
  return out;
}

export function ortTensor<T extends ContextType>(ort: OrtModule, type: T, data: FedData[T], dims: readonly number[]): Tensor {
  return new ort.Tensor(type, data, [...dims]);
}

/** Plain float values (already checked to fit the type) as a runtime tensor of any fed element type. */
export function fedTensor(ort: OrtModule, type: ContextType, values: Float32Array, dims: readonly number[]): Tensor {
  if (type === 'float32') return ortTensor(ort, 'float32', values, dims);
  if (type === 'bool')
    return ortTensor(
      ort,
      'bool',
      Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0)),
      dims,
    );
  return ortTensor(ort, type, idsAs(type, values) as never, dims);
}

export function disposeAll(tensors: Iterable<Tensor | undefined>): void {
  for (const t of tensors) {
    try {
      t?.dispose?.();
    } catch {
      // A tensor already released by the runtime needs nothing more.
    }
  }
}

/** A float32 output as plain data (downloaded first when it lives on a GPU). */
export async function readFloat(tensor: Tensor | undefined, name: string): Promise<TensorData> {
  if (!tensor) throw new ShapeError(`The session returned no output '${name}'.`);
  if (tensor.type !== 'float32') throw new ShapeError(`Output '${name}' is ${tensor.type}; salience reads float32.`);
  const data = (tensor.location === undefined || tensor.location === 'cpu' ? tensor.data : await tensor.getData()) as Float32Array;
  return { data, shape: [...tensor.dims] };
}
