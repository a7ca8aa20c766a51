import { type Layout, OptionError, ShapeError, sameShape, type TensorData } from '@salience/core';

/**
 * The interpretable features of one example: element `i` belongs to feature `featureOf[i]`
 * (0..count-1, in ascending order of the mask's ids), and each feature is a list of contiguous
 * runs of the flattened example, so building a perturbed copy costs work per run, not per element.
 */
export interface Features {
  readonly count: number;
  /** Elements of one example. */
  readonly size: number;
  readonly featureOf: Int32Array;
  /** The mask id of each feature. */
  readonly ids: readonly number[];
  /** Runs of feature k: `runOffset/runLength[runStart[k]..runStart[k+1])`. */
  readonly runStart: Int32Array;
  readonly runOffset: Int32Array;
  readonly runLength: Int32Array;
}

/** Image axes of one example in a model's layout: [channels, height, width] and their strides. */
function imageAxes(rowShape: readonly number[], layout: Layout) {
  if (layout === 'NCHW') {
    const [channels, height, width] = rowShape as [number, number, number];
    return { channels, height, width, channelStep: height * width, rowStep: width, columnStep: 1 };
  }
  const [height, width, channels] = rowShape as [number, number, number];
  return { channels, height, width, channelStep: 1, rowStep: width * channels, columnStep: channels };
}

/**
 * Reads a feature mask: integer ids, one per element of an example (its shape, with or without a
 * batch of 1), or for images one per pixel `[H, W]` (a pixel's feature spans its channels).
 * Without a mask every element is its own feature (Captum's default).
 */
export function resolveFeatures(mask: TensorData | undefined, rowShape: readonly number[], layout: Layout): Features {
  const size = rowShape.reduce((a, b) => a * b, 1);
  let ids: ArrayLike<number>;
  if (!mask) ids = Int32Array.from({ length: size }, (_, i) => i);
  else {
    if (!Array.isArray(mask.shape) || typeof mask.data?.length !== 'number')
      throw new ShapeError(`featureMask must be a tensor { data, shape }, one feature id per element of an example [${rowShape.join(', ')}].`);
    const count = mask.shape.reduce((a, b) => a * b, 1);
    if (mask.data.length !== count) throw new ShapeError(`featureMask has ${mask.data.length} values but its shape [${mask.shape.join(', ')}] needs ${count}.`);
    for (let i = 0; i < mask.data.length; i++) {
      if (!Number.isInteger(mask.data[i])) throw new ShapeError(`featureMask value ${i} is ${mask.data[i]}; feature ids are integers.`);
    }
    const image = rowShape.length === 3 && (layout === 'NCHW' || layout === 'NHWC');
    if (sameShape(mask.shape, rowShape) || sameShape(mask.shape, [1, ...rowShape])) ids = mask.data;
    else if (
      image &&
      (sameShape(mask.shape, [imageAxes(rowShape, layout).height!, imageAxes(rowShape, layout).width!]) ||
        sameShape(mask.shape, [1, imageAxes(rowShape, layout).height!, imageAxes(rowShape, layout).width!]))
    ) {
      const { channels, height, width, channelStep, rowStep, columnStep } = imageAxes(rowShape, layout);
      const spread = new Float32Array(size);
      for (let c = 0; c < channels!; c++) {
        for (let y = 0; y < height!; y++) for (let x = 0; x < width!; x++) spread[c * channelStep + y * rowStep! + x * columnStep!] = mask.data[y * width! + x]!;
      }
      ids = spread;
    } else {
      const spatial = image ? ` or one per pixel [${imageAxes(rowShape, layout).height}, ${imageAxes(rowShape, layout).width}]` : '';
      throw new ShapeError(`featureMask has shape [${mask.shape.join(', ')}]; give one id per element of an example [${rowShape.join(', ')}]${spatial}.`);
    }
  }
  const sorted = [...new Set(Array.from(ids))].sort((a, b) => a - b);
  const slot = new Map(sorted.map((id, k) => [id, k]));
  const featureOf = new Int32Array(size);
  for (let i = 0; i < size; i++) featureOf[i] = slot.get(ids[i]!)!;
  // Runs: maximal stretches of consecutive elements of one feature, grouped by feature.
  const runsOf: number[][] = sorted.map(() => []);
  for (let i = 0; i < size; ) {
    let j = i + 1;
    while (j < size && featureOf[j] === featureOf[i]) j++;
    runsOf[featureOf[i]!]!.push(i, j - i);
    i = j;
  }
  const total = runsOf.reduce((n, r) => n + r.length / 2, 0);
  const runStart = new Int32Array(sorted.length + 1);
  const runOffset = new Int32Array(total);
  const runLength = new Int32Array(total);
  let n = 0;
  runsOf.forEach((runs, k) => {
    runStart[k] = n;
    for (let q = 0; q < runs.length; q += 2) {
      runOffset[n] = runs[q]!;
      runLength[n++] = runs[q + 1]!;
    }
  });
  runStart[sorted.length] = n;
  return { count: sorted.length, size, featureOf, ids: sorted, runStart, runOffset, runLength };
}

/**
 * A feature mask of square cells over an image: `[height, width]` ids, `cell` pixels a side
 * (the last row and column of cells are cut at the border), numbered row by row.
 */
export function gridMask(height: number, width: number, cell: number): TensorData {
  for (const [name, v] of [
    ['height', height],
    ['width', width],
    ['cell', cell],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new OptionError(`gridMask ${name} must be a positive integer; got ${v}.`);
  }
  const columns = Math.ceil(width / cell);
  const data = new Float32Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = Math.floor(y / cell) * columns + Math.floor(x / cell);
  return { data, shape: [height, width] };
}

/**
 * Writes one perturbed copy: the baseline, with the features where `on(k)` is true taken from the
 * example. `baseline` is a number or a row the size of the example.
 */
export function fillCoalition(copy: Float32Array, example: Float32Array, baseline: number | Float32Array, features: Features, on: (k: number) => boolean): void {
  if (typeof baseline === 'number') copy.fill(baseline);
  else copy.set(baseline);
  const { runStart, runOffset, runLength } = features;
  for (let k = 0; k < features.count; k++) {
    if (!on(k)) continue;
    for (let q = runStart[k]!; q < runStart[k + 1]!; q++) {
      const from = runOffset[q]!;
      copy.set(example.subarray(from, from + runLength[q]!), from);
    }
  }
}

/** Spreads one value per feature over the elements of an example. */
export function spreadFeatures(values: Float64Array, features: Features, out: Float32Array): void {
  for (let i = 0; i < features.size; i++) out[i] = values[features.featureOf[i]!]!;
}
