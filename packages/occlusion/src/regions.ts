import type { WindowGrid } from './window.js';

/**
 * The parts of an example that are replaced by the baseline, one at a time. Each region is a list
 * of contiguous runs of the flattened example, so filling a copy and spreading a score back cost
 * typed-array work proportional to the region, never to the whole example.
 */
export interface RegionSet {
  /** Number of regions (model rows per example). */
  readonly count: number;
  /** Elements of one example. */
  readonly size: number;
  /** Writes the runs of region `k` into `offsets`/`lengths` and returns how many there are. */
  runs(k: number, offsets: Int32Array, lengths: Int32Array): number;
  /** The most runs that one region has (the size `runs` needs). */
  readonly maxRuns: number;
  /** How many regions cover each element of an example. */
  coverage(): Float64Array;
}

function elementStrides(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length).fill(1);
  for (let d = dims.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * dims[d + 1]!;
  return strides;
}

/** Sliding windows; the last window along a dimension is truncated at the border (as Captum does). */
export class SlidingWindows implements RegionSet {
  readonly count: number;
  readonly size: number;
  readonly maxRuns: number;
  readonly #grid: WindowGrid;
  readonly #strides: number[];
  readonly #start: Int32Array;
  readonly #extent: Int32Array;
  readonly #index: Int32Array;

  constructor(grid: WindowGrid) {
    this.#grid = grid;
    this.count = grid.positions.reduce((a, b) => a * b, 1);
    this.size = grid.dims.reduce((a, b) => a * b, 1);
    this.#strides = elementStrides(grid.dims);
    const rank = grid.dims.length;
    this.#start = new Int32Array(rank);
    this.#extent = new Int32Array(rank);
    this.#index = new Int32Array(rank);
    // A region is at most one run per combination of the leading dimensions that the window does not span.
    this.maxRuns = Math.max(
      1,
      grid.window.slice(0, -1).reduce((a, b) => a * b, 1),
    );
  }

  runs(k: number, offsets: Int32Array, lengths: Int32Array): number {
    const { dims, window, stride, positions } = this.#grid;
    const rank = dims.length;
    const start = this.#start;
    const extent = this.#extent;
    for (let d = rank - 1; d >= 0; d--) {
      const p = k % positions[d]!;
      k = (k - p) / positions[d]!;
      start[d] = p * stride[d]!;
      extent[d] = Math.min(window[d]!, dims[d]! - start[d]!);
    }
    // Trailing dimensions that the window spans entirely merge into one contiguous run.
    let inner = rank - 1;
    while (inner > 0 && start[inner] === 0 && extent[inner] === dims[inner]) inner--;
    const length = extent[inner]! * this.#strides[inner]!;
    const index = this.#index;
    index.fill(0);
    let n = 0;
    for (;;) {
      let offset = start[inner]! * this.#strides[inner]!;
      for (let d = 0; d < inner; d++) offset += (start[d]! + index[d]!) * this.#strides[d]!;
      offsets[n] = offset;
      lengths[n] = length;
      n++;
      let d = inner - 1;
      while (d >= 0 && ++index[d]! === extent[d]) index[d--] = 0;
      if (d < 0) return n;
    }
  }

  coverage(): Float64Array {
    const { dims, window, stride, positions } = this.#grid;
    // The windows are a grid, so coverage is the product of per-dimension counts.
    const perDim = dims.map((dim, d) => {
      const counts = new Float64Array(dim);
      for (let p = 0; p < positions[d]!; p++) {
        const from = p * stride[d]!;
        for (let i = from; i < Math.min(dim, from + window[d]!); i++) counts[i]!++;
      }
      return counts;
    });
    const out = new Float64Array(this.size).fill(1);
    for (let d = 0; d < dims.length; d++) {
      const block = this.#strides[d]!;
      const counts = perDim[d]!;
      for (let i = 0; i < this.size; i++) out[i]! *= counts[Math.floor(i / block) % dims[d]!]!;
    }
    return out;
  }
}

/** Groups of elements sharing an id in a feature mask (Captum's feature ablation); each element is in one group. */
export class FeatureGroups implements RegionSet {
  readonly count: number;
  readonly size: number;
  readonly maxRuns: number;
  /** Group ids in ascending order. */
  readonly ids: readonly number[];
  readonly #runStart: Int32Array;
  readonly #offsets: Int32Array;
  readonly #lengths: Int32Array;

  /** `groupOf[i]` is the mask id of element i of an example. */
  constructor(groupOf: ArrayLike<number>) {
    this.size = groupOf.length;
    const ids = [...new Set(Array.from(groupOf))].sort((a, b) => a - b);
    this.ids = ids;
    this.count = ids.length;
    const slot = new Map(ids.map((id, k) => [id, k]));
    const perGroup: number[][] = ids.map(() => []);
    for (let i = 0; i < this.size; ) {
      let j = i + 1;
      while (j < this.size && groupOf[j] === groupOf[i]) j++;
      perGroup[slot.get(groupOf[i]!) as number]!.push(i, j - i);
      i = j;
    }
    this.#runStart = new Int32Array(this.count + 1);
    let total = 0;
    perGroup.forEach((r, k) => {
      this.#runStart[k] = total;
      total += r.length / 2;
    });
    this.#runStart[this.count] = total;
    this.#offsets = new Int32Array(total);
    this.#lengths = new Int32Array(total);
    let maxRuns = 1;
    perGroup.forEach((r, k) => {
      const from = this.#runStart[k]!;
      for (let q = 0; q < r.length / 2; q++) {
        this.#offsets[from + q] = r[2 * q]!;
        this.#lengths[from + q] = r[2 * q + 1]!;
      }
      maxRuns = Math.max(maxRuns, r.length / 2);
    });
    this.maxRuns = maxRuns;
  }

  runs(k: number, offsets: Int32Array, lengths: Int32Array): number {
    const from = this.#runStart[k]!;
    const n = this.#runStart[k + 1]! - from;
    offsets.set(this.#offsets.subarray(from, from + n));
    lengths.set(this.#lengths.subarray(from, from + n));
    return n;
  }

  coverage(): Float64Array {
    return new Float64Array(this.size).fill(1);
  }
}
