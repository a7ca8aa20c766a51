import type { MethodCall } from '@salience/core';
import type { TokenSettings } from './options.js';

/** What a score needs to run: the opened method call (ids, pairs, requests) and the settings. */
export interface TokenJob {
  /** The call after core's prologue; its input is the [B, T] token ids as floats. */
  readonly call: MethodCall;
  readonly settings: TokenSettings;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Scores before masking: [maps, T] and, when asked, the values per coordinate [maps, T, D]. */
export interface TokenScores {
  readonly scores: Float32Array;
  readonly perDimension?: Float32Array;
  /** Embedding width D. */
  readonly width: number;
  /** Facts that go into the attribution's meta. */
  readonly meta: Readonly<Record<string, unknown>>;
}
