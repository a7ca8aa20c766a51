import type { TensorData } from '@salience/core';
import { ShapeError } from '@salience/core';

/** Moves axis `from` to position `to` (both counted in the full shape), copying the data. */
function moveAxis(t: TensorData, from: number, to: number): TensorData {
  const shape = t.shape;
  const order = shape.map((_, i) => i);
  order.splice(from, 1);
  order.splice(to, 0, from);
  const outShape = order.map((a) => shape[a]!);
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  const outStrides = order.map((a) => strides[a]);
  const out = new Float32Array(t.data.length);
  const index = new Array<number>(shape.length).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = t.data[src]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]!++;
      src += outStrides[d]!;
      if (index[d]! < outShape[d]!) break;
      src -= outStrides[d]! * outShape[d]!;
      index[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

function checkRank(t: TensorData, batchDims: number, what: string): void {
  if (!Number.isInteger(batchDims) || batchDims < 0) throw new RangeError(`batchDims must be a non-negative integer; got ${batchDims}.`);
  if (t.shape.length < batchDims + 2) {
    throw new ShapeError(`${what} needs at least ${batchDims} leading dimension(s), a channel and a spatial dimension; got shape [${t.shape.join(', ')}].`);
  }
}

/**
 * [B, C, H, W] -> [B, H, W, C] (any number of spatial dimensions). `batchDims` leading axes stay
 * in place: use 2 for stacked batches such as SmoothGrad noise [n, B, C, H, W].
 */
export function nchwToNhwc(t: TensorData, batchDims = 1): TensorData {
  checkRank(t, batchDims, 'nchwToNhwc');
  return moveAxis(t, batchDims, t.shape.length - 1);
}

/** [B, H, W, C] -> [B, C, H, W], the inverse of `nchwToNhwc`. */
export function nhwcToNchw(t: TensorData, batchDims = 1): TensorData {
  checkRank(t, batchDims, 'nhwcToNchw');
  return moveAxis(t, t.shape.length - 1, batchDims);
}
