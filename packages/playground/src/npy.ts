import type { TensorData } from '@salience/core';

/**
 * A float32, little-endian, C-order `.npy` file (format 1.0) of a tensor, built in the page.
 * numpy's `np.load` reads it. The CLI has a reader and writer too, but it is a Node package; this
 * writer is the few lines the page needs until the format has a shared, browser-safe home.
 */
export function encodeNpy(tensor: TensorData): Uint8Array {
  const size = tensor.shape.reduce((a, b) => a * b, 1);
  if (size !== tensor.data.length) throw new RangeError(`The tensor has ${tensor.data.length} values but its shape [${tensor.shape.join(', ')}] needs ${size}.`);
  const shape = tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // Magic (6) + version (2) + header length (2) + header + '\n', padded with spaces to a multiple of 64.
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64);
  header += '\n';
  const out = new Uint8Array(10 + header.length + size * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let i = 0; i < size; i++) view.setFloat32(start + i * 4, tensor.data[i], true);
  return out;
}
