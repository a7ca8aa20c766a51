import { OptionError } from '@salience/core';
import { PUNCTUATION_GROUP, SUSPECT_GROUP } from './token-groups.js';
import type { TokenStat, TokenTally } from './token-tally.js';

/** Why a class's reliance on some tokens is flagged. */
export type TextFindingKind = 'no-label-meaning' | typeof SUSPECT_GROUP | typeof PUNCTUATION_GROUP;

/**
 * A class whose attribution mass sits on tokens it should not need: one token that carries no
 * label meaning in the data, the user's suspect tokens, or punctuation.
 */
export interface TextFinding {
  readonly model: string;
  readonly dataset: string;
  readonly method: string;
  /** The explained class. */
  readonly class: number;
  readonly kind: TextFindingKind;
  /** The tokens behind it, largest share first: one for `no-label-meaning`; for a group the largest and those with at least a tenth of `minShare` (five at most). */
  readonly tokens: readonly TokenStat[];
  /** Examples of the class. */
  readonly examples: number;
  /** Occurrences of the tokens in them. */
  readonly count: number;
  /** Share of the class's attribution mass on the tokens. */
  readonly share: number;
  /** Share of the class's tokens they make up. */
  readonly occurrenceShare: number;
  /** share / occurrenceShare. */
  readonly lift: number;
  /** `no-label-meaning`: the token's largest label association, max over classes c of P(label = c | token) / P(label = c), over the labelled data; else null. */
  readonly labelAssociation: number | null;
}

export interface TextFindingOptions {
  /** Least examples of a class for a finding on it; default 5. */
  readonly minExamples?: number;
  /** Least occurrences of the tokens in the class (and, for `no-label-meaning`, least labelled examples holding the token); default 5. */
  readonly minCount?: number;
  /** Least share of the class's attribution mass on the tokens; default 0.1. */
  readonly minShare?: number;
  /** Least lift (share / occurrence share); default 2. */
  readonly minLift?: number;
  /** A token whose label association with some class reaches this carries label meaning and is not flagged as `no-label-meaning`; default 1.5. */
  readonly labelLift?: number;
}

export type ResolvedTextFindingOptions = Required<TextFindingOptions>;

export function resolveTextFindingOptions(options: TextFindingOptions = {}): ResolvedTextFindingOptions {
  const r = {
    minExamples: options.minExamples ?? 5,
    minCount: options.minCount ?? 5,
    minShare: options.minShare ?? 0.1,
    minLift: options.minLift ?? 2,
    labelLift: options.labelLift ?? 1.5,
  };
  for (const [name, value] of Object.entries(r)) {
    if (!(Number.isFinite(value) && value >= 0)) throw new OptionError(`${name} must be a number >= 0; got ${value}.`);
  }
  return r;
}

/**
 * How strongly a token signals a label in the labelled data: the largest over classes c of
 * P(label = c | token) / P(label = c), and the labelled examples holding it; null when no labelled example does.
 */
export type LabelAssociation = (key: string) => { readonly lift: number; readonly support: number } | null;

/**
 * The findings for one class of one (model, dataset, method): first the groups (the suspect list,
 * punctuation), each flagged when its tokens occur at least `minCount` times, hold at least
 * `minShare` of the class's attribution mass and `minLift` times their share of its tokens; then
 * single tokens outside a flagged group that pass the same three tests and carry no label
 * meaning: at least `minCount` labelled examples hold the token, and it makes no class
 * `labelLift` times more likely than its base rate (a word that signals any label, for or
 * against the explained class, carries label meaning). A token whose label meaning cannot be
 * measured (too few labelled examples) is not flagged.
 */
export function findTokenReliance(
  where: { readonly model: string; readonly dataset: string; readonly method: string; readonly class: number },
  tally: TokenTally,
  context: { readonly display: (key: string) => string; readonly groups: (key: string) => readonly string[]; readonly association: LabelAssociation | null },
  options: TextFindingOptions = {},
): TextFinding[] {
  const o = resolveTextFindingOptions(options);
  if (tally.examples < o.minExamples || tally.mass === 0) return [];
  const strong = (s: { count: number; share: number; lift: number }) => s.count >= o.minCount && s.share >= o.minShare && s.lift >= o.minLift;
  const findings: TextFinding[] = [];
  const covered = new Set<string>();
  for (const kind of [SUSPECT_GROUP, PUNCTUATION_GROUP] as const) {
    const g = tally.group((key) => context.groups(key).includes(kind), context.display);
    if (!strong(g)) continue;
    for (const t of g.tokens) covered.add(t.key);
    // The members that matter: the largest, and any with a tenth of the share a finding needs.
    const tokens = g.tokens.filter((t, i) => i === 0 || t.share >= o.minShare / 10).slice(0, 5);
    findings.push({ ...where, kind, tokens, examples: tally.examples, ...pick(g), labelAssociation: null });
  }
  if (context.association) {
    for (const s of tally.stats(context.display, o.minCount)) {
      if (covered.has(s.key) || !strong(s)) continue;
      const a = context.association(s.key);
      if (!a || a.support < o.minCount || a.lift >= o.labelLift) continue;
      findings.push({ ...where, kind: 'no-label-meaning', tokens: [s], examples: tally.examples, ...pick(s), labelAssociation: a.lift });
    }
  }
  return findings.sort((a, b) => b.share - a.share);
}

function pick(s: { count: number; share: number; occurrenceShare: number; lift: number }) {
  return { count: s.count, share: s.share, occurrenceShare: s.occurrenceShare, lift: s.lift };
}
