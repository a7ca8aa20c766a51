import { OptionError } from '@salience/core';
import type { MethodSummary } from './audit-collector.js';

/**
 * A place where a class's saliency concentrates more than it should: the signature of a
 * watermark, a border artifact or a background shortcut.
 */
export interface Finding {
  readonly model: string;
  readonly dataset: string;
  readonly method: string;
  /** The explained class, or null for a finding over every example. */
  readonly class: number | null;
  readonly region: string;
  /** Examples behind the finding. */
  readonly count: number;
  /** Mean share of the saliency in the region. */
  readonly share: number;
  /** Share of the image the region covers. */
  readonly area: number;
  /** share / area: 1 is what saliency spread evenly would give. */
  readonly lift: number;
  /** Mean share in the region over the other classes' examples (class findings only). */
  readonly othersShare: number | null;
}

export interface FindingOptions {
  /** Least share / area for a corner or border finding; default 3. */
  readonly minLift?: number;
  /** Least share for a finding; default 0.15. */
  readonly minShare?: number;
  /** Least ratio of a class's share to the other classes' share; default 2. */
  readonly minContrast?: number;
  /** Least examples of a class for a class finding; default 5. */
  readonly minCount?: number;
  /** Share of saliency outside a given object region above which it is a finding; default 0.5. */
  readonly maxOutsideShare?: number;
}

interface Resolved {
  minLift: number;
  minShare: number;
  minContrast: number;
  minCount: number;
  maxOutsideShare: number;
}

function resolve(options: FindingOptions): Resolved {
  const r = {
    minLift: options.minLift ?? 3,
    minShare: options.minShare ?? 0.15,
    minContrast: options.minContrast ?? 2,
    minCount: options.minCount ?? 5,
    maxOutsideShare: options.maxOutsideShare ?? 0.5,
  };
  for (const [name, value] of Object.entries(r)) {
    if (!(Number.isFinite(value) && value >= 0)) throw new OptionError(`${name} must be a number >= 0; got ${value}.`);
  }
  return r;
}

/** Regions named `outside-...` are judged by their share alone: they cover most of the image. */
export function isOutsideRegion(region: string): boolean {
  return region.startsWith('outside-');
}

/**
 * The findings of one method on one (model, dataset) group, strongest first. A class is flagged
 * for a corner or the border when its examples put at least `minShare` of their saliency there,
 * `minLift` times the region's area, and `minContrast` times what the other classes put there
 * (so an artifact of the whole dataset is reported once, for all classes, not once per class).
 * For an `outside-...` region the rule is a share above `maxOutsideShare`.
 */
export function findConcentrations(where: { model: string; dataset: string; method: string }, summary: MethodSummary, areas: Readonly<Record<string, number>>, options: FindingOptions = {}): Finding[] {
  const o = resolve(options);
  const findings: Finding[] = [];
  const total = summary.all;
  for (const [region, area] of Object.entries(areas)) {
    if (!(area > 0)) continue;
    const outside = isOutsideRegion(region);
    const flagged = (share: number) => (outside ? share > o.maxOutsideShare : share >= o.minShare && share / area >= o.minLift);
    const allShare = total.shares[region] ?? 0;
    if (total.count >= o.minCount && flagged(allShare)) {
      findings.push({ ...where, class: null, region, count: total.count, share: allShare, area, lift: allShare / area, othersShare: null });
    }
    for (const cls of summary.classes) {
      if (cls.count < o.minCount) continue;
      const share = cls.shares[region] ?? 0;
      const others = total.count - cls.count;
      const othersShare = others > 0 ? ((total.shares[region] ?? 0) * total.count - share * cls.count) / others : 0;
      if (!flagged(share)) continue;
      if (others > 0 && othersShare > 0 && share / othersShare < o.minContrast) continue;
      findings.push({ ...where, class: cls.class, region, count: cls.count, share, area, lift: share / area, othersShare: others > 0 ? othersShare : null });
    }
  }
  return findings.sort((a, b) => b.lift - a.lift);
}
