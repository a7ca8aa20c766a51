import { ShapeError } from '@salience/core';
import { dotOverDimension, l2OverDimension } from './embedding-reduction.js';
import { embeddingWidthOf } from './embedding-shape.js';
import { outputsFor } from './options.js';
import type { TokenJob, TokenScores } from './token-job.js';

/**
 * 'grad-l2' and 'grad-x-embedding': one backward pass per map, batched. Each call returns the
 * embedding gradients (and embeddings) of its rows, reduced over D at once so that only the
 * [maps, T] scores are kept, unless the caller wants the per-coordinate values.
 */
export async function gradientScores(job: TokenJob): Promise<TokenScores> {
  const { call, settings } = job;
  const { examples, targets } = call;
  const maps = examples.length;
  const length = call.input.shape[1]!;
  const scores = new Float32Array(maps * length);
  const outputs = outputsFor(settings.score);
  let perDimension: Float32Array | undefined;
  let width = 0;

  await call.forEachBatch(
    maps,
    async (start, end) => {
      const rows = end - start;
      const out = await call.run({ input: call.mapInput(start, end), examples: examples.subarray(start, end), targets: targets.subarray(start, end), outputs });
      const gradients = out.embeddingGradients;
      const w = embeddingWidthOf(gradients, rows, length, 'embedding gradients');
      if (width !== 0 && w !== width) throw new ShapeError(`The model returned embeddings of width ${w} after ${width}; the width must not change between calls.`);
      width = w;
      const embeddings = out.embeddings;
      if (embeddings) embeddingWidthOf(embeddings, rows, length, 'embeddings');
      if (settings.perDimension) perDimension ??= new Float32Array(maps * length * width);
      const size = length * width;
      for (let r = 0; r < rows; r++) {
        const g = gradients.data.subarray(r * size, (r + 1) * size);
        const map = start + r;
        const score = scores.subarray(map * length, (map + 1) * length);
        if (settings.score === 'grad-l2') {
          l2OverDimension(g, width, score);
          perDimension?.set(g, map * size);
          continue;
        }
        const e = embeddings!.data.subarray(r * size, (r + 1) * size);
        dotOverDimension(g, e, width, score);
        if (perDimension) {
          const values = perDimension.subarray(map * size, (map + 1) * size);
          for (let i = 0; i < size; i++) values[i] = g[i]! * e[i]!;
        }
      }
    },
    job.onProgress,
  );
  return { scores, perDimension, width, meta: {} };
}
