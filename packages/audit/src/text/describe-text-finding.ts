import { classLabel } from '../describe-finding.js';
import type { TextFinding } from './token-findings.js';

const percent = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
const quoted = (tokens: readonly { token: string }[]) => tokens.map((t) => `'${t.token}'`).join(', ');

/** A text finding in one sentence, with the numbers behind it. */
export function describeTextFinding(finding: TextFinding, classNames?: readonly string[]): string {
  const who = classLabel(finding.class, classNames);
  const what =
    finding.kind === 'no-label-meaning'
      ? `the token ${quoted(finding.tokens)}, which carries no label meaning in the data (with it, no class is more than ${finding.labelAssociation?.toFixed(2)}x as likely as its base rate)`
      : finding.kind === 'suspect'
        ? `suspect tokens (${quoted(finding.tokens)})`
        : `punctuation (${quoted(finding.tokens)})`;
  return `${who}: ${percent(finding.share)} of ${finding.method} attribution mass lies on ${what}, ${percent(finding.occurrenceShare)} of its tokens (${finding.lift.toFixed(1)}x their share); ${finding.examples} examples of ${finding.model} on ${finding.dataset}.`;
}
