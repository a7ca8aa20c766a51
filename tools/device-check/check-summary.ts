// The one JSON line that the GPU check ends with: every figure a later session needs to compare runs.
import type { ParityReport } from './captum-parity.ts';
import type { BenchReport } from './resnet-bench.ts';

export interface CheckState {
  readonly problems: readonly string[];
  readonly adapter: string;
  readonly backend: string;
  readonly tfjs: string;
  /** Stages still to run when this summary was written (a run cut short leaves them here). */
  readonly pending: readonly string[];
  readonly parity?: ParityReport;
  readonly bench?: BenchReport;
  readonly seconds: number;
}

export function checkSummary(state: CheckState): object {
  const { parity } = state;
  // The worst case outside the known divergences (NaN, from a case that threw, counts as worst).
  const unexplained = parity?.cases.filter((c) => !c.known) ?? [];
  const worst = unexplained.reduce<(typeof unexplained)[number] | undefined>((w, c) => (!w || !(c.relativeError <= w.relativeError) ? c : w), undefined);
  return {
    ok: state.problems.length === 0 && state.pending.length === 0,
    problems: state.problems,
    pending: state.pending,
    adapter: state.adapter,
    backend: state.backend,
    tfjs: state.tfjs,
    node: process.version,
    vulkanDriverFiles: process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? null,
    parity: parity && {
      tolerance: parity.tolerance,
      cases: parity.cases.length,
      failed: parity.failed,
      knownDivergences: parity.cases.filter((c) => c.known).map((c) => ({ name: c.name, relativeError: c.relativeError, nowMeetsTolerance: c.knownNowMeets })),
      worst: worst && { name: worst.name, relativeError: worst.relativeError, maxAbsError: worst.maxAbsError, mapMax: worst.mapMax },
      tensorsBefore: parity.tensorsBefore,
      tensorsAfter: parity.tensorsAfter,
      results: parity.cases.map((c) => ({
        name: c.name,
        maxAbsError: c.maxAbsError,
        mapMax: c.mapMax,
        relativeError: c.relativeError,
        ...(c.deltaError !== undefined ? { deltaError: c.deltaError } : {}),
        leaked: c.leaked,
        ok: c.ok,
        ...(c.known ? { known: true } : {}),
      })),
    },
    bench: state.bench,
    seconds: state.seconds,
  };
}
