import { formatDuration } from '../outputs/duration.js';
import { createProgress, type ProgressMode, type ProgressStream } from '../outputs/progress.js';

/** Progress of one dataset of an audit, in examples. */
export interface DatasetProgress {
  /** `done` examples of `total` (fractions allowed while a chunk runs). */
  update(done: number, total: number): void;
  /** A chunk finished (computed, or found on disk). */
  chunk(info: { readonly chunk: number; readonly chunks: number; readonly first: number; readonly count: number; readonly timeMs: number; readonly resumed: boolean }): void;
  finish(summary: string): void;
  fail(): void;
}

export interface AuditProgress {
  start(dataset: string): DatasetProgress;
}

/**
 * A bar per dataset on a terminal; in logs and pipes, one line per computed chunk and one per
 * dataset; nothing when silent.
 */
export function createAuditProgress(mode: ProgressMode, stream: ProgressStream): AuditProgress {
  const bars = createProgress(mode, stream, 12, 'examples');
  return {
    start(dataset) {
      const bar = bars.start(dataset);
      return {
        update: (done, total) => bar.update(Math.floor(done), total),
        chunk(info) {
          if (mode !== 'lines' || info.resumed) return;
          const last = info.first + info.count - 1;
          stream.write(`${dataset.padEnd(12)} chunk ${info.chunk + 1}/${info.chunks}: examples ${info.first}..${last} in ${formatDuration(info.timeMs)}\n`);
        },
        finish: (summary) => bar.finish(summary),
        fail: () => bar.fail(),
      };
    },
  };
}
