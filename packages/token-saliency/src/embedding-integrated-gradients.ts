import { forEachBatch, gatherRows, objectiveAndLogitGradient, ShapeError, type TensorData, objectiveForRows } from '@salience/core';
import { quadratureRule } from '@salience/integrated-gradients';
import { embeddingWidthOf } from './embedding-shape.js';
import type { TokenJob, TokenScores } from './token-job.js';

/** The baseline ids of every example, with identical rows stored once. */
interface BaselineIds {
  /** [U, T] distinct baseline rows. */
  readonly ids: TensorData;
  /** Row of `ids` that each example uses. */
  readonly rowOf: Int32Array;
}

/**
 * Each example's ids with every token replaced by the baseline token, except padding and the
 * ids to keep (so padding never differs from its baseline, and [CLS]/[SEP] may stay).
 */
function baselineIds(ids: TensorData, baselineTokenId: number, keep: ReadonlySet<number>): BaselineIds {
  const [rows, length] = ids.shape;
  const distinct = new Map<string, number>();
  const data: number[] = [];
  const rowOf = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(ids.data.subarray(r * length, (r + 1) * length), (id) => (keep.has(id) ? id : baselineTokenId));
    const key = row.join(',');
    let index = distinct.get(key);
    if (index === undefined) {
      index = distinct.size;
      distinct.set(key, index);
      data.push(...row);
    }
    rowOf[r] = index;
  }
  return { ids: { data: Float32Array.from(data), shape: [distinct.size, length] }, rowOf };
}

/** Logits and embeddings of the inputs and of the baselines, from forward-only calls. */
interface Endpoints {
  readonly logits: TensorData;
  /** [B + U, T, D]: the inputs' embeddings, then the baselines'. */
  readonly embeddings: Float32Array;
  readonly width: number;
  readonly modelCalls: number;
}

async function endpoints(job: TokenJob, baselines: BaselineIds, onRows: (done: number) => void): Promise<Endpoints> {
  const { model, ids, batchSize, signal } = job;
  const [inputs, length] = ids.shape;
  const total = inputs + baselines.ids.shape[0];
  const logits: TensorData[] = [];
  let embeddings: Float32Array | undefined;
  let width = 0;
  let modelCalls = 0;
  await forEachBatch(
    total,
    batchSize,
    async (start, end) => {
      const rows = end - start;
      const data = new Float32Array(rows * length);
      for (let r = start; r < end; r++) {
        const source = r < inputs ? ids.data.subarray(r * length, (r + 1) * length) : baselines.ids.data.subarray((r - inputs) * length, (r - inputs + 1) * length);
        data.set(source, (r - start) * length);
      }
      const out = await model.run({ input: { data, shape: [rows, length] }, outputs: ['logits', 'embeddings'], signal });
      modelCalls++;
      const w = embeddingWidthOf(out.embeddings, rows, length, 'embeddings');
      if (width !== 0 && w !== width) throw new ShapeError(`The model returned embeddings of width ${w} after ${width}; the width must not change between calls.`);
      width = w;
      if (out.logits.shape.length !== 2 || out.logits.shape[0] !== rows) {
        throw new ShapeError(`The model returned logits of shape [${out.logits.shape}] for ${rows} rows; expected [${rows}, classes].`);
      }
      embeddings ??= new Float32Array(total * length * width);
      embeddings.set(out.embeddings.data, start * length * width);
      logits.push(out.logits);
    },
    { signal, onProgress: onRows },
  );
  const classes = logits[0].shape[1];
  const all = new Float32Array(total * classes);
  let offset = 0;
  for (const part of logits) {
    all.set(part.data, offset);
    offset += part.data.length;
  }
  return { logits: { data: all, shape: [total, classes] }, embeddings: embeddings!, width, modelCalls };
}

/**
 * Integrated gradients along the embeddings (Captum's LayerIntegratedGradients on the embedding
 * layer): for each map, (e - e') times the embedding gradient averaged along the straight path
 * from the baseline embeddings e' to e by the quadrature, summed over D. The baseline embeddings
 * come from the model itself (its `embeddings` output for the baseline ids), so any adapter that
 * follows the core contract works. Rows are (map, node) pairs, built one batch at a time.
 */
export async function embeddingIntegratedGradients(job: TokenJob): Promise<TokenScores> {
  const { model, ids, examples, targets, objective, settings, batchSize, signal } = job;
  const [inputs, length] = ids.shape;
  const maps = examples.length;
  const keep = new Set(settings.keepInBaseline);
  if (settings.padTokenId !== undefined) keep.add(settings.padTokenId);
  const baselines = baselineIds(ids, settings.baselineTokenId!, keep);
  const rule = quadratureRule(settings.quadrature, settings.steps, settings.captumTrapezoid);
  const nodes = rule.alphas.length;
  const endpointRows = inputs + baselines.ids.shape[0];
  const totalRows = endpointRows + maps * nodes;
  const progress = (done: number) => job.onProgress?.(done, totalRows);

  const ends = await endpoints(job, baselines, progress);
  const { width } = ends;
  const size = length * width;
  let modelCalls = ends.modelCalls;

  // F(x) - F(x') of every map, for the convergence delta.
  const rowsObjective = objectiveForRows(objective, examples);
  const baselineRowOfMap = Int32Array.from(examples, (e) => inputs + baselines.rowOf[e]);
  const atInput = objectiveAndLogitGradient(gatherRows(ends.logits, examples), targets, rowsObjective).values;
  const atBaseline = objectiveAndLogitGradient(gatherRows(ends.logits, baselineRowOfMap), targets, rowsObjective).values;

  // e - e' per example, rounded to float32 as PyTorch computes it.
  const difference = new Float32Array(inputs * size);
  for (let e = 0; e < inputs; e++) {
    const x = ends.embeddings.subarray(e * size, (e + 1) * size);
    const base = ends.embeddings.subarray((inputs + baselines.rowOf[e]) * size, (inputs + baselines.rowOf[e] + 1) * size);
    const out = difference.subarray(e * size, (e + 1) * size);
    for (let i = 0; i < size; i++) out[i] = x[i] - base[i];
  }

  const sums = new Float64Array(maps * size);
  await forEachBatch(
    maps * nodes,
    batchSize,
    async (start, end) => {
      const rows = end - start;
      const embeddings = new Float32Array(rows * size);
      const input = new Float32Array(rows * length);
      const rowTarget = new Int32Array(rows);
      const rowExample = new Int32Array(rows);
      for (let r = 0; r < rows; r++) {
        const map = Math.floor((start + r) / nodes);
        const example = examples[map];
        const alpha = Math.fround(rule.alphas[(start + r) % nodes]);
        const baseRow = inputs + baselines.rowOf[example];
        const base = ends.embeddings.subarray(baseRow * size, (baseRow + 1) * size);
        const diff = difference.subarray(example * size, (example + 1) * size);
        const out = embeddings.subarray(r * size, (r + 1) * size);
        for (let i = 0; i < size; i++) out[i] = base[i] + Math.fround(alpha * diff[i]);
        // The ids travel with the embeddings: adapters check them, and masks may be computed from them.
        input.set(ids.data.subarray(example * length, (example + 1) * length), r * length);
        rowTarget[r] = targets[map];
        rowExample[r] = example;
      }
      const { embeddingGradients } = await model.run({
        input: { data: input, shape: [rows, length] },
        embeddings: { data: embeddings, shape: [rows, length, width] },
        outputs: ['embeddingGradients'],
        target: rowTarget,
        objective: objectiveForRows(objective, rowExample),
        signal,
      });
      modelCalls++;
      if (embeddingWidthOf(embeddingGradients, rows, length, 'embedding gradients') !== width) {
        throw new ShapeError(`The model returned embedding gradients of width ${embeddingGradients.shape[2]} for embeddings of width ${width}.`);
      }
      for (let r = 0; r < rows; r++) {
        const map = Math.floor((start + r) / nodes);
        const weight = rule.weights[(start + r) % nodes];
        const g = embeddingGradients.data.subarray(r * size, (r + 1) * size);
        const sum = sums.subarray(map * size, (map + 1) * size);
        for (let i = 0; i < size; i++) sum[i] += weight * g[i];
      }
    },
    { signal, onProgress: (done) => progress(endpointRows + done) },
  );

  const scores = new Float32Array(maps * length);
  const perDimension = settings.perDimension ? new Float32Array(maps * size) : undefined;
  const delta = new Float32Array(maps);
  for (let map = 0; map < maps; map++) {
    const example = examples[map];
    const diff = difference.subarray(example * size, (example + 1) * size);
    const sum = sums.subarray(map * size, (map + 1) * size);
    let total = 0;
    for (let t = 0; t < length; t++) {
      let score = 0;
      for (let i = t * width; i < (t + 1) * width; i++) {
        const value = diff[i] * sum[i];
        if (perDimension) perDimension[map * size + i] = value;
        score += value;
      }
      scores[map * length + t] = score;
      total += score;
    }
    delta[map] = total - (atInput[map] - atBaseline[map]);
  }

  return {
    scores,
    perDimension,
    width,
    modelCalls,
    meta: {
      baselineTokenId: settings.baselineTokenId,
      keepInBaseline: [...settings.keepInBaseline],
      quadrature: settings.quadrature,
      steps: settings.steps,
      captumTrapezoid: settings.captumTrapezoid,
      delta,
      endpointRows,
      gradientRows: maps * nodes,
    },
  };
}
