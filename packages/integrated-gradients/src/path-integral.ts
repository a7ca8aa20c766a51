import type { QuadratureRound } from './quadrature.js';

/**
 * Straight paths from a start (a baseline) to an end (an input, or its embeddings), each adding into
 * one group's sums (a map); several baselines of one map are averaged.
 */
export interface StraightPaths {
  readonly count: number;
  /** Values per point of a path: an input row, or a row of embeddings [T, D]. */
  readonly size: number;
  /** Writes the start of `path` into `start` and end - start into `difference`, both `size` long. */
  fill(path: number, start: Float32Array, difference: Float32Array): void;
  /** Group (map) whose sums `path` adds into. */
  group(path: number): number;
  /** Paths averaged into each group (the baselines of a map): each adds 1 / averaged of its terms. */
  readonly averaged: number;
}

/** What integrating along the paths needs, and the sums it adds into. */
export interface PathIntegration {
  readonly paths: StraightPaths;
  /** Multiply each gradient by end - start before summing (integrated gradients); else sum gradients. */
  readonly multiplyByInputs: boolean;
  /**
   * The gradient at each point, [rows, size]: `points` holds one point per row, and `pathOfRow` the
   * path each row lies on (so a model call can take that path's example, target and context).
   */
  gradients(points: Float32Array, pathOfRow: Int32Array, rows: number): Promise<Float32Array>;
  /** Runs `work` over `total` rows in batches (the method call's batch loop: batch size, signal, yield). */
  forEachBatch(total: number, work: (start: number, end: number) => Promise<void>, onProgress?: (done: number) => void): Promise<void>;
  /** Per group and value: the sum of coefficient x term over the evaluated nodes, averaged over its paths. */
  readonly sums: Float64Array;
  /** Per group: the same sum of (end - start) . gradient, for the convergence delta. */
  readonly completeness: Float64Array;
}

interface Endpoints {
  readonly start: Float32Array;
  readonly difference: Float32Array;
}

/**
 * Evaluates one round of a quadrature on every path and adds into the sums. Rows are (path, node)
 * pairs, path major, built batch by batch so that memory does not grow with the steps; a path's
 * endpoints are made once per batch (and carried into the next one). Interpolation rounds to
 * float32 at each operation as PyTorch does, so near-ties (max pooling over an interpolated flat
 * background) break the same way as in Captum. Returns the rows evaluated.
 */
export async function integrateRound(job: PathIntegration, round: QuadratureRound, onRows?: (done: number) => void): Promise<number> {
  const { paths, sums, completeness } = job;
  const { size, averaged } = paths;
  const nodes = round.alphas.length;
  const total = paths.count * nodes;
  let carried: { path: number; ends: Endpoints } | undefined;

  const endpointsOf = (path: number, cache: Map<number, Endpoints>): Endpoints => {
    const known = cache.get(path) ?? (carried?.path === path ? carried.ends : undefined);
    if (known) {
      cache.set(path, known);
      return known;
    }
    const ends = { start: new Float32Array(size), difference: new Float32Array(size) };
    paths.fill(path, ends.start, ends.difference);
    cache.set(path, ends);
    return ends;
  };

  await job.forEachBatch(
    total,
    async (first, end) => {
      const rows = end - first;
      const points = new Float32Array(rows * size);
      const pathOfRow = new Int32Array(rows);
      const cache = new Map<number, Endpoints>();
      for (let r = 0; r < rows; r++) {
        const path = Math.floor((first + r) / nodes);
        const { start, difference } = endpointsOf(path, cache);
        const alpha = Math.fround(round.alphas[(first + r) % nodes]!);
        const out = points.subarray(r * size, (r + 1) * size);
        for (let i = 0; i < size; i++) out[i] = start[i]! + Math.fround(alpha * difference[i]!);
        pathOfRow[r] = path;
      }
      const gradients = await job.gradients(points, pathOfRow, rows);
      for (let r = 0; r < rows; r++) {
        const path = pathOfRow[r]!;
        const group = paths.group(path);
        const { difference } = endpointsOf(path, cache);
        const weight = round.coefficients[(first + r) % nodes]! / averaged;
        const g = gradients.subarray(r * size, (r + 1) * size);
        const sum = sums.subarray(group * size, (group + 1) * size);
        let dot = 0;
        if (job.multiplyByInputs) {
          for (let i = 0; i < size; i++) {
            const term = difference[i]! * g[i]!;
            dot += term;
            sum[i]! += weight * term;
          }
        } else {
          for (let i = 0; i < size; i++) {
            dot += difference[i]! * g[i]!;
            sum[i]! += weight * g[i]!;
          }
        }
        completeness[group]! += weight * dot;
      }
      const last = Math.floor((end - 1) / nodes);
      carried = { path: last, ends: endpointsOf(last, cache) };
    },
    onRows,
  );
  return total;
}
