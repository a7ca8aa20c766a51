import type { Comparison } from '@salience/testing';
import { commands } from 'vitest/browser';

/** One parity comparison as measured: the numbers behind the stated tolerances. */
export interface PrecisionRow {
  readonly backend: string;
  readonly model: string;
  readonly check: string;
  /** Largest max|actual - expected| / max|expected| over the maps. */
  readonly relativeError: number;
  readonly tolerance: number;
}

/** Collects the measured errors of a test file, prints them as a table and writes them beside the vitest report. */
export class PrecisionLog {
  private readonly rows: PrecisionRow[] = [];

  constructor(private readonly name: string) {}

  record(backend: string, model: string, check: string, comparison: Comparison, tolerance: number): void {
    this.rows.push({ backend, model, check, relativeError: comparison.relativeError, tolerance });
  }

  /** Largest relative error per backend, known divergences left out. */
  maxima(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.rows.filter((row) => !row.check.endsWith('[known]'))) out[r.backend] = Math.max(out[r.backend] ?? 0, r.relativeError);
    return out;
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const lines = this.rows.map(
      (r) => `${r.backend.padEnd(7)} ${r.model.padEnd(9)} ${r.check.padEnd(42)} ${r.relativeError.toExponential(2).padStart(9)}  (allowed ${r.tolerance})`,
    );
    const maxima = Object.entries(this.maxima()).map(([b, e]) => `${b} ${e.toExponential(2)}`);
    console.log(`${this.name}: measured max |actual - expected| / max |expected|\n${lines.join('\n')}\nlargest per backend: ${maxima.join(', ')}`);
    await commands.writeFile(`.reports/${this.name}.json`, JSON.stringify({ rows: this.rows, maxima: this.maxima() }, null, 1));
  }
}
