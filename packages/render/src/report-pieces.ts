import { escapeHtml as esc } from './html-escape.js';
import { formatNumber, formatValue } from './report-values.js';

function chip([key, value]: readonly [string, unknown]): string {
  return `<span class="chip"><span class="k">${esc(key)}</span> <code>${esc(formatValue(value))}</code></span>`;
}

/**
 * A method's parameters as chips: the ones the user chose in view, every other setting folded
 * into a `<details>` ("other settings (n)"). Without `chosen`, plain numbers and strings are in
 * view and the rest (flags, lists, objects: internals such as `rounds`) is folded.
 */
export function parameterChips(parameters: readonly (readonly [string, unknown])[], chosen?: readonly string[]): string {
  if (parameters.length === 0) return '<span class="empty">none</span>';
  const shown = chosen ? parameters.filter(([key]) => chosen.includes(key)) : parameters.filter(([, value]) => typeof value === 'number' || typeof value === 'string');
  const folded = parameters.filter((entry) => !shown.includes(entry));
  const inView = shown.length > 0 ? `<div class="chips">${shown.map(chip).join('')}</div>` : chosen ? '<span class="empty">defaults</span>' : '';
  const rest = folded.length > 0 ? `<details><summary>other settings (${folded.length})</summary><div class="chips">${folded.map(chip).join('')}</div></details>` : '';
  return `${inView}${rest}`;
}

/** Integrated gradients' completeness check for one row, in numbers and words. */
export interface ConvergenceSummary {
  /** f(x) - f(baseline): the sum of the attribution minus the convergence delta. */
  readonly outputDifference: number;
  /** sum(attribution) - (f(x) - f(baseline)). */
  readonly delta: number;
  /** |delta| as a percentage of |f(x) - f(baseline)|; undefined when that difference is 0. */
  readonly percent: number | undefined;
  /** e.g. "Δ = 0.0012 (0.4% of f(x) − f(baseline) = 0.31)". */
  readonly text: string;
}

/**
 * The convergence delta beside what it is measured against: completeness says the attribution
 * sums to f(x) - f(baseline), so delta = sum - (f(x) - f(baseline)) and the difference is sum - delta.
 */
export function convergenceSummary(delta: number, attributionSum: number): ConvergenceSummary {
  const outputDifference = attributionSum - delta;
  const percent = outputDifference !== 0 && Number.isFinite(outputDifference) ? (Math.abs(delta) / Math.abs(outputDifference)) * 100 : undefined;
  const share =
    percent === undefined ? '' : ` (${percent < 0.01 ? '<0.01' : formatNumber(Number(percent.toPrecision(2)))}% of f(x) − f(baseline) = ${formatNumber(outputDifference)})`;
  return { outputDifference, delta, percent, text: `Δ = ${formatNumber(delta)}${share}` };
}
