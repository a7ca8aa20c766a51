import { createRng, type Rng, rowSize, type TensorData } from '@salience/core';
import type { NoisePlan } from './options.js';

/**
 * Writes noisy copies of the input's examples, one (sample, example) at a time, so that no more
 * than one batch of noisy rows ever exists. Drawn noise comes from one seeded stream in
 * (sample, example) order whatever the batching or the targets: the same seed gives the same
 * noise for an example whether it is explained for one class or several, in one batch or many.
 */
export interface NoisyRows {
  /** Noise standard deviation of each example; null when the noise was given. */
  readonly stdevs: Float64Array | null;
  /** Writes input[example] + noise[sample, example], clamped, into `out`. Calls must not go back in (sample, example) order. */
  write(sample: number, example: number, out: Float32Array): void;
}

export function noisyRows(input: TensorData, plan: NoisePlan): NoisyRows {
  const size = rowSize(input);
  const examples = input.shape[0]!;
  const stdevs = plan.noise ? null : exampleStdevs(input, plan);
  const noiseOf = plan.noise ? givenNoise(plan.noise, examples, size) : drawnNoise(createRng(plan.seed), stdevs!, size);
  const [low, high] = plan.clamp ?? [-Infinity, Infinity];
  return {
    stdevs,
    write(sample, example, out) {
      const noise = noiseOf(sample, example);
      const x = input.data.subarray(example * size, (example + 1) * size);
      for (let i = 0; i < size; i++) {
        const v = x[i]! + noise[i]!;
        out[i] = Math.min(Math.max(v, low), high);
      }
    },
  };
}

/** Absolute stdev for every example; relative stdev scales with that example's own max - min. */
function exampleStdevs(input: TensorData, plan: NoisePlan): Float64Array {
  const examples = input.shape[0]!;
  const size = rowSize(input);
  const stdevs = new Float64Array(examples);
  const stdev = plan.stdev!;
  for (let e = 0; e < examples; e++) {
    if (typeof stdev === 'number') {
      stdevs[e] = stdev;
      continue;
    }
    let min = Infinity;
    let max = -Infinity;
    const x = input.data.subarray(e * size, (e + 1) * size);
    for (let i = 0; i < size; i++) {
      if (x[i]! < min) min = x[i]!;
      if (x[i]! > max) max = x[i]!;
    }
    stdevs[e] = stdev.relative * (max - min);
  }
  return stdevs;
}

function givenNoise(noise: TensorData, examples: number, size: number): (s: number, e: number) => Float32Array {
  return (s, e) => {
    const at = (s * examples + e) * size;
    return noise.data.subarray(at, at + size);
  };
}

function drawnNoise(rng: Rng, stdevs: Float64Array, size: number): (s: number, e: number) => Float32Array {
  const examples = stdevs.length;
  const buffer = new Float32Array(size);
  // Index of the (sample, example) whose noise is in `buffer`; draws for skipped pairs keep the stream aligned.
  let current = -1;
  return (s, e) => {
    const wanted = s * examples + e;
    if (wanted < current) throw new RangeError('Noise is drawn in (sample, example) order and cannot go back.');
    while (current < wanted) {
      current++;
      rng.fillNormal(buffer, 0, stdevs[current % examples]);
    }
    return buffer;
  };
}
