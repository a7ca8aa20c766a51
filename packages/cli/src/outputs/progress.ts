import cliProgress from 'cli-progress';

/** Progress of one method: `update` as work is done, then `finish` or `fail`. */
export interface MethodProgress {
  update(done: number, total: number): void;
  finish(summary: string): void;
  /** Ends the bar without a result: `word` says why (default 'failed'). */
  fail(word?: string): void;
}

/** Where the command reports progress; one `start` per method. */
export interface Progress {
  start(label: string): MethodProgress;
}

/**
 * - 'bars': a live bar per method (a terminal);
 * - 'lines': one line per finished method (logs, pipes, CI);
 * - 'silent': nothing (--json, --quiet).
 */
export type ProgressMode = 'bars' | 'lines' | 'silent';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Bars only on a terminal, and never when stdout carries JSON. */
export function progressMode(stream: ProgressStream, options: { json: boolean; quiet: boolean; noProgress: boolean }): ProgressMode {
  if (options.quiet || options.json) return 'silent';
  if (options.noProgress || !stream.isTTY || process.env.CI) return 'lines';
  return 'bars';
}

const SILENT: MethodProgress = { update() {}, finish() {}, fail() {} };

export function createProgress(mode: ProgressMode, stream: ProgressStream, labelWidth = 12, unit = 'rows'): Progress {
  return {
    start(label: string): MethodProgress {
      const padded = label.padEnd(labelWidth);
      if (mode === 'silent') return SILENT;
      if (mode === 'lines') {
        return {
          update() {},
          finish: (summary) => void stream.write(`${padded} ${summary}\n`),
          fail: (word = 'failed') => void stream.write(`${padded} ${word}\n`),
        };
      }
      const bar = new cliProgress.SingleBar(
        {
          format: `${padded} {bar} {percentage}% | {value}/{total} ${unit} | {duration_formatted} | ETA {eta_formatted}`,
          stream: stream as NodeJS.WritableStream,
          hideCursor: true,
          clearOnComplete: true,
          barsize: 28,
          fps: 12,
        },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      const stop = () => {
        if (started) bar.stop();
        started = false;
      };
      return {
        update(done, total) {
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.setTotal(total);
          bar.update(done);
        },
        finish(summary) {
          stop();
          stream.write(`${padded} ${summary}\n`);
        },
        fail(word = 'failed') {
          stop();
          stream.write(`${padded} ${word}\n`);
        },
      };
    },
  };
}
