import type { Finding } from './findings.js';
import { isOutsideRegion } from './findings.js';

const percent = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;

/** A class's name, or `class N` without names. */
export function classLabel(index: number | null, classNames?: readonly string[]): string {
  if (index === null) return 'all classes';
  return classNames?.[index] ?? `class ${index}`;
}

/** A finding in one sentence, with the numbers behind it. */
export function describeFinding(finding: Finding, classNames?: readonly string[]): string {
  const who = classLabel(finding.class, classNames);
  const where = isOutsideRegion(finding.region)
    ? `outside the region ${finding.region.slice('outside-'.length)}`
    : finding.region === 'border'
      ? 'on the border band'
      : `in the ${finding.region} corner`;
  const others = finding.othersShare === null ? '' : `; other classes: ${percent(finding.othersShare)}`;
  return `${who}: ${percent(finding.share)} of ${finding.method} saliency lies ${where}, which covers ${percent(finding.area)} of the image (${finding.lift.toFixed(1)}x its area${others}); ${finding.count} examples of ${finding.model} on ${finding.dataset}.`;
}
