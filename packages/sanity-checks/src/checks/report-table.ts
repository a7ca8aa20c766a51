import type { CheckName, SanityReport } from './report.js';
import { CHECKS } from './report.js';

const TITLES: Record<CheckName, string> = {
  'parameter-randomization': 'parameter randomisation',
  'label-randomization': 'label randomisation',
  deletion: 'deletion',
  infidelity: 'infidelity',
  'max-sensitivity': 'max-sensitivity',
  localization: 'pointing game',
};

function cell(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e-3 || value === 0 ? value.toFixed(3) : value.toExponential(2);
}

/**
 * The method x check table of a report as Markdown: 'pass' or 'FAIL' with the judged number, or
 * the number alone for measurements without a threshold. Checks that did not run are left out.
 */
export function reportTable(report: SanityReport): string {
  const checks = CHECKS.filter((c) => report.checks.includes(c));
  const lines = [`| method | ${checks.map((c) => TITLES[c]).join(' | ')} |`, `| --- | ${checks.map(() => '---').join(' | ')} |`];
  for (const method of report.methods) {
    const cells = checks.map((check) => {
      const v = report.verdicts.find((x) => x.method === method.name && x.check === check);
      if (!v) return '';
      return v.passed === null ? cell(v.value) : `${v.passed ? 'pass' : 'FAIL'} ${cell(v.value)}`;
    });
    lines.push(`| ${method.name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
