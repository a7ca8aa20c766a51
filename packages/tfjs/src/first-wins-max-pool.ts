import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs-core';
import type { Tensor, TfNamespace } from './tf-types.js';

/**
 * Backends whose MaxPoolGrad gives a tie within a pooling window to the last maximum (their
 * shaders compare with `>=`), where PyTorch, Captum and tfjs-cpu give it to the first. Ties are
 * common (ReLU zeros, clipped pixels, flat images, zero padding), so on these backends the adapter
 * differentiates max pooling with `firstWinsMaxPoolGrad` during its backward pass. wasm diverges
 * too, but its MaxPoolGrad is bridged to the cpu kernel instead (see `DIVERGENT_BACKWARD_KERNELS`),
 * which is faster there than these ops.
 */
export const FIRST_WINS_MAX_POOL_BACKENDS: readonly string[] = ['webgl', 'webgpu'];

type PoolTf = Pick<
  TfNamespace,
  'tidy' | 'pad' | 'stridedSlice' | 'slice' | 'equal' | 'logicalAnd' | 'where' | 'zerosLike' | 'zeros' | 'add' | 'stack' | 'reshape' | 'tensor' | 'backend_util'
>;

type SwapTf = PoolTf & Pick<TfNamespace, 'getBackend' | 'getGradient' | 'registerGradient'>;

/** The paddings this gradient handles: the ones of Keras' MaxPooling2D and of converted graphs. */
export type FirstWinsPadding = 'valid' | 'same';

/**
 * The gradient of `tf.maxPool(x, filterSize, strides, pad)` with respect to `x`, built from
 * ordinary ops so that it runs on any backend, where each window's gradient `dy` goes to the
 * FIRST element (row-major) equal to the window's maximum `y`, as in PyTorch and tfjs-cpu.
 *
 * For each offset (ky, kx) of the window, the strided slice of the (zero-padded) input holds that
 * element of every window. Where it equals `y` and the window's gradient has not been handed out
 * yet, it takes it. The pieces are exact copies of `dy` (selected with `where`), so the only
 * rounding is the sum where windows overlap. Offsets with the same remainder modulo the stride land
 * on the same lattice of the input, one output step apart: each lattice is summed on the output
 * grid, and the lattices are interleaved back into the input's shape.
 */
export function firstWinsMaxPoolGrad(
  tf: PoolTf,
  dy: Tensor,
  x: Tensor,
  y: Tensor,
  filterSize: number | readonly [number, number],
  strides: number | readonly [number, number],
  pad: FirstWinsPadding,
): Tensor {
  return tf.tidy(() => {
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize as [number, number], strides as [number, number], 1, pad);
    const { batchSize: batch, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
    if (dy.size === 0 || x.size === 0) return tf.zerosLike(x);
    const { top, left } = info.padInfo;
    // The windows reach these many rows and columns of the padded input (with 'valid', trailing
    // ones may be left out; with 'same', a window may hang over the end).
    const reachHeight = (outHeight - 1) * strideHeight + filterHeight;
    const reachWidth = (outWidth - 1) * strideWidth + filterWidth;
    const bottom = Math.max(0, reachHeight - top - inHeight);
    const right = Math.max(0, reachWidth - left - inWidth);
    const padded =
      top || bottom || left || right
        ? tf.pad(x, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ])
        : x;

    const zeros = tf.zerosLike(dy);
    let unclaimed = dy;
    // lattices[ry][rx] collects the offsets ky = ry (mod stride), kx = rx (mod stride), on the
    // output grid extended by the offsets' quotients.
    const gridHeight = outHeight + Math.ceil(filterHeight / strideHeight) - 1;
    const gridWidth = outWidth + Math.ceil(filterWidth / strideWidth) - 1;
    const lattices: Array<Array<Tensor | undefined>> = Array.from({ length: strideHeight }, () => new Array<Tensor | undefined>(strideWidth));
    const lastOffset = filterHeight * filterWidth - 1;
    for (let ky = 0; ky < filterHeight; ky++) {
      for (let kx = 0; kx < filterWidth; kx++) {
        const element = tf.stridedSlice(
          padded,
          [0, ky, kx, 0],
          [batch, ky + (outHeight - 1) * strideHeight + 1, kx + (outWidth - 1) * strideWidth + 1, channels],
          [1, strideHeight, strideWidth, 1],
        );
        let hit = tf.equal(element, y);
        const inside = insideMask(tf, ky - top, kx - left, info);
        if (inside) hit = tf.logicalAnd(hit, inside);
        const claimed = tf.where(hit, unclaimed, zeros);
        if (ky * filterWidth + kx < lastOffset) unclaimed = tf.where(hit, zeros, unclaimed);

        const q = Math.floor(ky / strideHeight);
        const r = Math.floor(kx / strideWidth);
        const placed =
          q || r || gridHeight > outHeight || gridWidth > outWidth
            ? tf.pad(claimed, [
                [0, 0],
                [q, gridHeight - outHeight - q],
                [r, gridWidth - outWidth - r],
                [0, 0],
              ])
            : claimed;
        const ry = ky % strideHeight;
        const rx = kx % strideWidth;
        const sofar = lattices[ry]![rx];
        lattices[ry]![rx] = sofar ? tf.add(sofar, placed) : placed;
      }
    }

    // Interleave: padded row ry + strideHeight * I holds lattice ry's row I (columns alike).
    const empty = () => tf.zeros([batch, gridHeight, gridWidth, channels], dy.dtype);
    const rows = lattices.map((row) => {
      const cells = Array.from(row, (cell): Tensor => cell ?? empty());
      return strideWidth === 1 ? cells[0]! : tf.reshape(tf.stack(cells, 3), [batch, gridHeight, gridWidth * strideWidth, channels]);
    });
    const canvas = (strideHeight === 1 ? rows[0] : tf.reshape(tf.stack(rows, 2), [batch, gridHeight * strideHeight, gridWidth * strideWidth, channels]))!;

    const keptHeight = Math.min(inHeight, gridHeight * strideHeight - top);
    const keptWidth = Math.min(inWidth, gridWidth * strideWidth - left);
    const dx = tf.slice(canvas, [0, top, left, 0], [batch, keptHeight, keptWidth, channels]);
    if (keptHeight === inHeight && keptWidth === inWidth) return dx;
    // Input rows or columns that no window reaches get no gradient.
    return tf.pad(dx, [
      [0, 0],
      [0, inHeight - keptHeight],
      [0, inWidth - keptWidth],
      [0, 0],
    ]);
  });
}

/**
 * Which windows have their element at offset (row, column) of the unpadded input inside it, as a
 * bool [1, outHeight, outWidth, 1]; undefined when all do. A padded zero must never win a tie
 * with a window's maximum of 0.
 */
function insideMask(
  tf: Pick<TfNamespace, 'tensor'>,
  row: number,
  column: number,
  info: { inHeight: number; inWidth: number; outHeight: number; outWidth: number; strideHeight: number; strideWidth: number },
): Tensor | undefined {
  const rowsInside = Array.from({ length: info.outHeight }, (_, i) => row + i * info.strideHeight >= 0 && row + i * info.strideHeight < info.inHeight);
  const columnsInside = Array.from({ length: info.outWidth }, (_, j) => column + j * info.strideWidth >= 0 && column + j * info.strideWidth < info.inWidth);
  if (rowsInside.every(Boolean) && columnsInside.every(Boolean)) return undefined;
  const mask = new Uint8Array(info.outHeight * info.outWidth);
  for (let i = 0; i < info.outHeight; i++) for (let j = 0; j < info.outWidth; j++) mask[i * info.outWidth + j] = rowsInside[i] && columnsInside[j] ? 1 : 0;
  return tf.tensor(mask, [1, info.outHeight, info.outWidth, 1], 'bool');
}

interface MaxPoolAttrs {
  readonly filterSize: number | [number, number];
  readonly strides: number | [number, number];
  readonly pad: unknown;
}

/**
 * Runs `work` (a synchronous forward and backward pass) with the registered gradient of 'MaxPool'
 * replaced by `firstWinsMaxPoolGrad` when the active backend is one of `backends`, and puts the
 * original back afterwards, also when `work` throws. tfjs looks the gradient up when the forward
 * op runs, so `work` must hold both passes. Pools with numeric or explicit padding keep the
 * original gradient: tfjs's own geometry for those (with rounding modes and unequal strides) has
 * had bugs, and neither Keras' MaxPooling2D nor converted graphs use them.
 */
export function withFirstWinsMaxPool<T>(tf: SwapTf, work: () => T, backends: readonly string[] = FIRST_WINS_MAX_POOL_BACKENDS): T {
  const original = backends.includes(tf.getBackend()) ? tf.getGradient('MaxPool') : undefined;
  if (!original) return work();
  const firstWins: GradConfig = {
    ...original,
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const { filterSize, strides, pad } = attrs as unknown as MaxPoolAttrs;
      if (pad !== 'valid' && pad !== 'same') return original.gradFunc(dy, saved, attrs);
      const [x, y] = saved;
      return { x: () => firstWinsMaxPoolGrad(tf, dy as Tensor, x!, y!, filterSize, strides, pad) };
    },
  };
  tf.registerGradient(firstWins);
  try {
    return work();
  } finally {
    tf.registerGradient(original);
  }
}
