import { OptionError, symmetricEigen } from '@salience/core';

/**
 * Weighted sums of a linear surrogate's data, accumulated one sample at a time so that memory does
 * not grow with the number of samples: Σw, Σw·z, Σw·z·zᵀ over the binary coalitions z, and
 * Σw·y, Σw·z·y for each of `outputs` targets. Enough for weighted least squares and the Lasso
 * (with an intercept), exactly as if all samples were kept.
 */
export class WeightedMoments {
  readonly features: number;
  readonly outputs: number;
  samples = 0;
  weight = 0;
  readonly z: Float64Array;
  readonly zz: Float64Array;
  readonly y: Float64Array;
  readonly zy: Float64Array;
  readonly #on: Int32Array;

  constructor(features: number, outputs: number) {
    this.features = features;
    this.outputs = outputs;
    this.z = new Float64Array(features);
    this.zz = new Float64Array(features * features);
    this.y = new Float64Array(outputs);
    this.zy = new Float64Array(outputs * features);
    this.#on = new Int32Array(features);
  }

  /** Adds one sample: coalition `z` (1 = feature kept), its weight, and one value per output. */
  add(z: ArrayLike<number>, weight: number, ys: ArrayLike<number>): void {
    const m = this.features;
    let n = 0;
    for (let k = 0; k < m; k++) if (z[k] !== 0) this.#on[n++] = k;
    this.samples++;
    this.weight += weight;
    for (let a = 0; a < n; a++) {
      const i = this.#on[a]!;
      this.z[i]! += weight;
      for (let b = 0; b < n; b++) this.zz[i * m + this.#on[b]!]! += weight;
    }
    for (let o = 0; o < this.outputs; o++) {
      const wy = weight * ys[o]!;
      this.y[o]! += wy;
      for (let a = 0; a < n; a++) this.zy[o * m + this.#on[a]!]! += wy;
    }
  }

  /** The weighted, centred Gram matrix Σw(z-z̄)(z-z̄)ᵀ and, for output `o`, Σw(z-z̄)(y-ȳ). */
  centred(o: number): { gram: Float64Array; cross: Float64Array } {
    const m = this.features;
    const w = this.weight;
    const gram = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) gram[i * m + j] = this.zz[i * m + j]! - (this.z[i]! * this.z[j]!) / w;
    const cross = new Float64Array(m);
    for (let i = 0; i < m; i++) cross[i] = this.zy[o * m + i]! - (this.z[i]! * this.y[o]!) / w;
    return { gram, cross };
  }
}

/** Singular directions below this fraction of the largest are dropped (the minimum-norm solution). */
const RELATIVE_EIGEN_CUTOFF = 1e-12;

/** Pivots below this fraction of the largest diagonal entry mean a (numerically) singular Gram matrix. */
const CHOLESKY_PIVOT_CUTOFF = 1e-10;

/** Solves G x = c for a symmetric positive definite G by Cholesky; null when G is (nearly) singular. */
export function choleskySolve(gram: Float64Array, cross: Float64Array, m: number): Float64Array | null {
  const l = new Float64Array(m * m);
  let largest = 0;
  for (let i = 0; i < m; i++) largest = Math.max(largest, gram[i * m + i]!);
  if (!(largest > 0)) return null;
  for (let j = 0; j < m; j++) {
    let d = gram[j * m + j]!;
    for (let k = 0; k < j; k++) d -= l[j * m + k]! * l[j * m + k]!;
    if (!(d > CHOLESKY_PIVOT_CUTOFF * largest)) return null;
    const ljj = Math.sqrt(d);
    l[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let v = gram[i * m + j]!;
      for (let k = 0; k < j; k++) v -= l[i * m + k]! * l[j * m + k]!;
      l[i * m + j] = v / ljj;
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let v = cross[i]!;
    for (let k = 0; k < i; k++) v -= l[i * m + k]! * y[k]!;
    y[i] = v / l[i * m + i]!;
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let v = y[i]!;
    for (let k = i + 1; k < m; k++) v -= l[k * m + i]! * x[k]!;
    x[i] = v / l[i * m + i]!;
  }
  return x;
}

/**
 * Weighted least squares with an intercept: the coefficients of the minimum-norm solution (what
 * sklearn's `LinearRegression` with `sample_weight` returns, through LAPACK's least squares). A
 * Cholesky solve when the samples determine every coefficient (the usual case, O(M³/6)); an
 * eigendecomposition that drops the null directions otherwise.
 */
export function weightedLeastSquares(moments: WeightedMoments, output: number): Float64Array {
  const m = moments.features;
  const { gram, cross } = moments.centred(output);
  const solved = choleskySolve(gram, cross, m);
  if (solved) return solved;
  const { values, vectors } = symmetricEigen(gram, m);
  let top = 0;
  for (const v of values) top = Math.max(top, Math.abs(v));
  const beta = new Float64Array(m);
  for (let e = 0; e < m; e++) {
    if (values[e]! <= RELATIVE_EIGEN_CUTOFF * top) continue;
    let dot = 0;
    for (let i = 0; i < m; i++) dot += vectors[i * m + e]! * cross[i]!;
    const scale = dot / values[e]!;
    for (let i = 0; i < m; i++) beta[i]! += scale * vectors[i * m + e]!;
  }
  return beta;
}

export interface LassoOptions {
  /** The L1 penalty; sklearn's `alpha`. */
  readonly alpha: number;
  /** Stop when no coefficient moves by more than this in a sweep; default 1e-12. */
  readonly tolerance?: number;
  readonly maxSweeps?: number;
}

/**
 * The Lasso with an intercept and sample weights, sklearn's objective:
 * `(1 / (2 Σw)) Σ w (y − b − zβ)² + alpha ‖β‖₁` (sklearn rescales the weights to sum to the number
 * of samples and divides by twice that number: the same thing). Cyclic coordinate descent on the
 * centred Gram matrix, run to a far tighter tolerance than sklearn's default, so the answer is the
 * minimiser rather than wherever sklearn stopped.
 */
export function weightedLasso(moments: WeightedMoments, output: number, options: LassoOptions): Float64Array {
  const { alpha } = options;
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new OptionError(`alpha must be a non-negative number; got ${alpha}.`);
  const tolerance = options.tolerance ?? 1e-12;
  const maxSweeps = options.maxSweeps ?? 100_000;
  const m = moments.features;
  const { gram, cross } = moments.centred(output);
  const w = moments.weight;
  const beta = new Float64Array(m);
  // residual correlation r_j = c_j - Σ_k G_jk β_k, kept up to date as β changes.
  const r = Float64Array.from(cross);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let moved = 0;
    for (let j = 0; j < m; j++) {
      const gjj = gram[j * m + j]!;
      if (gjj <= 0) continue;
      const rho = (r[j]! + gjj * beta[j]!) / w;
      const next = (Math.sign(rho) * Math.max(Math.abs(rho) - alpha, 0)) / (gjj / w);
      const delta = next - beta[j]!;
      if (delta === 0) continue;
      beta[j] = next;
      for (let k = 0; k < m; k++) r[k]! -= gram[k * m + j]! * delta;
      moved = Math.max(moved, Math.abs(delta));
    }
    if (moved <= tolerance) break;
  }
  return beta;
}
