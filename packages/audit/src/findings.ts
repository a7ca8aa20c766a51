import { OptionError } from '@salience/core';
import type { MeanMap } from './mean-map.js';

/** What the findings read of a method's summary (`MethodSummary` in audit-collector): the overall and per-class mean maps. */
export interface ConcentrationInput {
  readonly all: MeanMap;
  readonly classes: readonly (MeanMap & { readonly class: number })[];
}

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
  /** Least share / area for a corner or border finding; default 3 (see `flagShare`). */
  readonly minLift?: number;
  /** Least share for a finding; default 0.15. */
  readonly minShare?: number;
  /** Least ratio of a class's share to the other classes' share; default 2. */
  readonly minContrast?: number;
  /** Least examples of a class for a class finding; default 5. */
  readonly minCount?: number;
}

interface Resolved {
  minLift: number;
  minShare: number;
  minContrast: number;
  minCount: number;
}

function resolve(options: FindingOptions): Resolved {
  const r = {
    minLift: options.minLift ?? 3,
    minShare: options.minShare ?? 0.15,
    minContrast: options.minContrast ?? 2,
    minCount: options.minCount ?? 5,
  };
  for (const [name, value] of Object.entries(r)) {
    if (!(Number.isFinite(value) && value >= 0)) throw new OptionError(`${name} must be a number >= 0; got ${value}.`);
  }
  return r;
}

/** Regions named `outside-...` are the complement of the object's box: every class may be flagged there. */
export function isOutsideRegion(region: string): boolean {
  return region.startsWith('outside-');
}

/**
 * The share a region must hold to be flagged: `minLift` times its area, or for a region so big
 * that this is out of reach (the border band of a small image), halfway from its area to all of
 * it; never less than `minShare`.
 */
export function flagShare(area: number, options: FindingOptions = {}): number {
  const o = resolve(options);
  return Math.max(o.minShare, Math.min(o.minLift * area, (1 + area) / 2));
}

/**
 * The findings of one method on one (model, dataset) group, strongest first. A class is flagged
 * for a corner or the border when its examples put at least `flagShare(area)` of their saliency
 * there and `minContrast` times what the other classes put there. When most classes are over the
 * share, it is an artifact of the whole dataset: one finding for all classes, none per class.
 * Outside the object's box (`outside-...` regions) saliency is wrong for any class, so there every
 * class over the share is flagged, without the contrast rule, besides the all-classes finding.
 */
export function findConcentrations(
  where: { model: string; dataset: string; method: string },
  summary: ConcentrationInput,
  areas: Readonly<Record<string, number>>,
  options: FindingOptions = {},
): Finding[] {
  const o = resolve(options);
  const findings: Finding[] = [];
  const total = summary.all;
  const classes = summary.classes.filter((c) => c.count >= o.minCount);
  for (const [region, area] of Object.entries(areas)) {
    if (!(area > 0 && area < 1)) continue;
    const outside = isOutsideRegion(region);
    const needed = flagShare(area, options);
    const over = (share: number) => share >= needed;
    const allShare = total.shares[region] ?? 0;
    const classesOver = classes.filter((c) => over(c.shares[region] ?? 0)).length;
    const widespread = classes.length > 0 && classesOver * 2 > classes.length;
    if (total.count >= o.minCount && (widespread || (over(allShare) && (outside || classes.length <= 1)))) {
      findings.push({ ...where, class: null, region, count: total.count, share: allShare, area, lift: allShare / area, othersShare: null });
    }
    if (widespread && !outside) continue;
    for (const cls of classes) {
      const share = cls.shares[region] ?? 0;
      if (!over(share)) continue;
      const others = total.count - cls.count;
      const othersShare = others > 0 ? ((total.shares[region] ?? 0) * total.count - share * cls.count) / others : null;
      if (!outside && othersShare !== null && othersShare > 0 && share / othersShare < o.minContrast) continue;
      findings.push({ ...where, class: cls.class, region, count: cls.count, share, area, lift: share / area, othersShare });
    }
  }
  return findings.sort((a, b) => b.lift - a.lift);
}
