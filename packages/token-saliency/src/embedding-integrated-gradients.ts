import { checkLogitRows, gatherRows, objectiveAndLogitGradient, objectiveForRows, ShapeError, type TensorData } from '@salience/core';
import { firstRound, integrateRound, type PathIntegration } from '@salience/integrated-gradients';
import { embeddingWidthOf } from './embedding-shape.js';
import type { TokenJob, TokenScores } from './token-job.js';

/** The baseline ids of every example, with identical rows stored once. */
interface BaselineIds {
  /** [U, T] distinct baseline rows. */
  readonly ids: TensorData;
  /** Row of `ids` that each example uses. */
  readonly rowOf: Int32Array;
  /** An example that uses each row: its context goes with the row. */
  readonly exampleOf: Int32Array;
}

/**
 * Each example's ids with every token replaced by the baseline token, except padding and the
 * ids to keep (so padding never differs from its baseline, and [CLS]/[SEP] may stay). Identical
 * rows are shared unless each example has its own context (then a row carries its example's mask).
 */
function baselineIds(ids: TensorData, baselineTokenId: number, keep: ReadonlySet<number>, share: boolean): BaselineIds {
  const [rows, length] = ids.shape as [number, number];
  const distinct = new Map<string, number>();
  const data: number[] = [];
  const exampleOf: number[] = [];
  const rowOf = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(ids.data.subarray(r * length, (r + 1) * length), (id) => (keep.has(id) ? id : baselineTokenId));
    const key = share ? row.join(',') : String(r);
    let index = distinct.get(key);
    if (index === undefined) {
      index = distinct.size;
      distinct.set(key, index);
      data.push(...row);
      exampleOf.push(r);
    }
    rowOf[r] = index;
  }
  return { ids: { data: Float32Array.from(data), shape: [distinct.size, length] }, rowOf, exampleOf: Int32Array.from(exampleOf) };
}

/** Logits and embeddings of the inputs and of the baselines, from forward-only calls. */
interface Endpoints {
  readonly logits: TensorData;
  /** [B + U, T, D]: the inputs' embeddings, then the baselines'. */
  readonly embeddings: Float32Array;
  readonly width: number;
}

async function endpoints(job: TokenJob, baselines: BaselineIds, onRows: (done: number) => void): Promise<Endpoints> {
  const { call } = job;
  const ids = call.input;
  const [inputs, length] = ids.shape as [number, number];
  const total = inputs + baselines.ids.shape[0]!;
  const logits: TensorData[] = [];
  let embeddings: Float32Array | undefined;
  let width = 0;
  await call.forEachBatch(
    total,
    async (start, end) => {
      const rows = end - start;
      const data = new Float32Array(rows * length);
      const rowExamples = new Int32Array(rows);
      for (let r = start; r < end; r++) {
        const u = r - inputs;
        const source = r < inputs ? ids.data.subarray(r * length, (r + 1) * length) : baselines.ids.data.subarray(u * length, (u + 1) * length);
        data.set(source, (r - start) * length);
        rowExamples[r - start] = (r < inputs ? r : baselines.exampleOf[u])!;
      }
      const out = await call.run({ input: { data, shape: [rows, length] }, examples: rowExamples, outputs: ['logits', 'embeddings'] });
      const w = embeddingWidthOf(out.embeddings, rows, length, 'embeddings');
      if (width !== 0 && w !== width) throw new ShapeError(`The model returned embeddings of width ${w} after ${width}; the width must not change between calls.`);
      width = w;
      checkLogitRows(out.logits, rows);
      embeddings ??= new Float32Array(total * length * width);
      embeddings.set(out.embeddings.data, start * length * width);
      logits.push(out.logits);
    },
    onRows,
  );
  const classes = logits[0]!.shape[1]!;
  const all = new Float32Array(total * classes);
  let offset = 0;
  for (const part of logits) {
    all.set(part.data, offset);
    offset += part.data.length;
  }
  return { logits: { data: all, shape: [total, classes] }, embeddings: embeddings!, width };
}

/**
 * Integrated gradients along the embeddings (Captum's LayerIntegratedGradients on the embedding
 * layer): for each map, (e - e') times the embedding gradient averaged along the straight path
 * from the baseline embeddings e' to e by the quadrature, summed over D. The baseline embeddings
 * come from the model itself (its `embeddings` output for the baseline ids), so any adapter that
 * follows the core contract works. The path integral is integrated gradients' own.
 */
export async function embeddingIntegratedGradients(job: TokenJob): Promise<TokenScores> {
  const { call, settings } = job;
  const { examples, targets, objective } = call;
  const ids = call.input;
  const [inputs, length] = ids.shape as [number, number];
  const maps = examples.length;
  const keep = new Set(settings.keepInBaseline);
  if (settings.padTokenId !== undefined) keep.add(settings.padTokenId);
  const baselines = baselineIds(ids, settings.baselineTokenId!, keep, call.context === undefined);
  const round = firstRound(settings.quadrature, settings.steps, settings.captumTrapezoid);
  const nodes = round.alphas.length;
  const endpointRows = inputs + baselines.ids.shape[0]!;
  const totalRows = endpointRows + maps * nodes;
  const progress = (done: number) => job.onProgress?.(done, totalRows);

  const ends = await endpoints(job, baselines, progress);
  const { width } = ends;
  const size = length * width;

  // F(x) - F(x') of every map, for the convergence delta.
  const rowsObjective = objectiveForRows(objective, examples);
  const baselineRowOfMap = Int32Array.from(examples, (e) => inputs + baselines.rowOf[e]!);
  const atInput = objectiveAndLogitGradient(gatherRows(ends.logits, examples), targets, rowsObjective).values;
  const atBaseline = objectiveAndLogitGradient(gatherRows(ends.logits, baselineRowOfMap), targets, rowsObjective).values;

  const embeddingRow = (row: number) => ends.embeddings.subarray(row * size, (row + 1) * size);
  const integration: PathIntegration = {
    paths: {
      count: maps,
      size,
      averaged: 1,
      group: (map) => map,
      fill(map, start, difference) {
        const example = examples[map]!;
        start.set(embeddingRow(inputs + baselines.rowOf[example]!));
        // e - e', rounded to float32 as PyTorch computes it.
        const x = embeddingRow(example);
        for (let i = 0; i < size; i++) difference[i] = x[i]! - start[i]!;
      },
    },
    multiplyByInputs: true,
    async gradients(points, mapOfRow, rows) {
      // The ids travel with the embeddings: adapters check them, and masks may be computed from them.
      const rowExamples = mapOfRow.map((map) => examples[map]!);
      const { embeddingGradients } = await call.run({
        input: gatherRows(ids, rowExamples),
        embeddings: { data: points, shape: [rows, length, width] },
        examples: rowExamples,
        targets: mapOfRow.map((map) => targets[map]!),
        outputs: ['embeddingGradients'],
      });
      if (embeddingWidthOf(embeddingGradients, rows, length, 'embedding gradients') !== width) {
        throw new ShapeError(`The model returned embedding gradients of width ${embeddingGradients.shape[2]} for embeddings of width ${width}.`);
      }
      return embeddingGradients.data;
    },
    forEachBatch: (total, work, onRows) => call.forEachBatch(total, work, onRows),
    sums: new Float64Array(maps * size),
    completeness: new Float64Array(maps),
  };
  await integrateRound(integration, round, (done) => progress(endpointRows + done));

  const scores = new Float32Array(maps * length);
  const perDimension = settings.perDimension ? new Float32Array(maps * size) : undefined;
  const delta = new Float32Array(maps);
  for (let map = 0; map < maps; map++) {
    const sum = integration.sums.subarray(map * size, (map + 1) * size);
    let total = 0;
    for (let t = 0; t < length; t++) {
      let score = 0;
      for (let i = t * width; i < (t + 1) * width; i++) {
        const value = sum[i]! * round.scale;
        if (perDimension) perDimension[map * size + i] = value;
        score += value;
      }
      scores[map * length + t] = score;
      total += score;
    }
    delta[map] = total - (atInput[map]! - atBaseline[map]!);
  }

  return {
    scores,
    perDimension,
    width,
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
