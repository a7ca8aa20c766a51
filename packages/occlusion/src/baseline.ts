import { gaussianBlur, type Layout, OptionError, ShapeError, sameShape, type TensorData } from '@salience/core';
import { channelMeans } from './image-baselines.js';

/**
 * What replaces the occluded elements:
 * - a number (default 0, Captum's default);
 * - a tensor: one per example (the input's shape) or one shared by all (the shape of one
 *   example, with or without a batch of 1);
 * - 'blur': a Gaussian-blurred copy of the example (`blurSigma`);
 * - 'mean': each channel's mean over the example.
 */
export type OcclusionBaseline = number | TensorData | 'blur' | 'mean';

export interface ResolvedBaseline {
  /** The value, or the example-shaped row, that fills example `e`'s occluded elements. */
  of(e: number): number | Float32Array;
  /** How the baseline was given, for `meta`. */
  readonly kind: 'scalar' | 'tensor' | 'blur' | 'mean';
}

function checkFinite(data: Float32Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ShapeError(`${what} value ${i} is ${data[i]}; baselines must be finite numbers.`);
  }
}

function perRow(t: TensorData, kind: ResolvedBaseline['kind'], size: number): ResolvedBaseline {
  return { kind, of: (e) => t.data.subarray(e * size, (e + 1) * size) };
}

export function resolveBaseline(baseline: OcclusionBaseline | undefined, input: TensorData, layout: Layout, blurSigma: number): ResolvedBaseline {
  const rowShape = input.shape.slice(1);
  const size = rowShape.reduce((a, b) => a * b, 1);
  if (baseline === undefined || typeof baseline === 'number') {
    const value = baseline ?? 0;
    if (!Number.isFinite(value)) throw new OptionError(`baseline must be a finite number; got ${value}.`);
    return { kind: 'scalar', of: () => value };
  }
  if (baseline === 'blur') return perRow(gaussianBlur(input, layout, blurSigma), 'blur', size);
  if (baseline === 'mean') return perRow(channelMeans(input, layout), 'mean', size);
  if (typeof baseline === 'object' && baseline !== null && 'data' in baseline && 'shape' in baseline) {
    const { shape, data } = baseline;
    if (data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new ShapeError(`Baseline data has ${data.length} values but its shape [${shape.join(', ')}] needs ${shape.reduce((a, b) => a * b, 1)}.`);
    }
    checkFinite(data, 'Baseline');
    if (sameShape(shape, input.shape)) return perRow(baseline, 'tensor', size);
    if (sameShape(shape, rowShape) || sameShape(shape, [1, ...rowShape])) {
      const shared = data.subarray(0, size);
      return { kind: 'tensor', of: () => shared };
    }
    throw new ShapeError(`Baseline has shape [${shape.join(', ')}]; give one per example [${input.shape.join(', ')}] or one for all [${rowShape.join(', ')}].`);
  }
  throw new OptionError(`Unknown baseline ${JSON.stringify(baseline)}; use a number, a tensor, 'blur' or 'mean'.`);
}
