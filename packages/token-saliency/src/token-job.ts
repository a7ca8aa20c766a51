import type { Model, Objective, TensorData } from '@salience/core';
import type { TokenSettings } from './options.js';

/** What a score needs to run: the ids, the (example, class) pairs and how to call the model. */
export interface TokenJob {
  readonly model: Model;
  /** [B, T] token ids as floats. */
  readonly ids: TensorData;
  /** Example (row of `ids`) and class of each map. */
  readonly examples: Int32Array;
  readonly targets: Int32Array;
  /** Logits of `ids` when resolving the targets computed them. */
  readonly logits?: TensorData;
  readonly objective?: Objective;
  readonly settings: TokenSettings;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Scores before masking: [maps, T] and, when asked, the values per coordinate [maps, T, D]. */
export interface TokenScores {
  readonly scores: Float32Array;
  readonly perDimension?: Float32Array;
  /** Embedding width D. */
  readonly width: number;
  readonly modelCalls: number;
  /** Facts that go into the attribution's meta. */
  readonly meta: Readonly<Record<string, unknown>>;
}
