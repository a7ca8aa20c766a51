/** One token's totals in a tally. */
interface TokenTotals {
  count: number;
  mass: number;
}

/** A token's place in a set of examples: how much of their attribution mass it holds, against how often it occurs. */
export interface TokenStat {
  /** The aggregation key (see `tokenKey`). */
  readonly key: string;
  /** As a person reads it. */
  readonly token: string;
  /** Occurrences. */
  readonly count: number;
  /** Share of the examples' attribution mass on this token (each example's absolute scores sum to 1). */
  readonly share: number;
  /** Share of the examples' scored tokens that are this token. */
  readonly occurrenceShare: number;
  /** share / occurrenceShare: 1 is what attribution spread evenly over tokens would give. */
  readonly lift: number;
}

/** Several tokens taken together (a group such as punctuation, or the top tokens). */
export interface GroupStat {
  readonly count: number;
  readonly share: number;
  readonly occurrenceShare: number;
  readonly lift: number;
  /** The members that occur, largest share first. */
  readonly tokens: readonly TokenStat[];
}

/**
 * Per-token sums over a set of examples: the memory an audit keeps grows with the vocabulary it
 * meets, never with the number of examples. Each example adds its tokens' shares of its absolute
 * attribution mass (so every example weighs the same, whatever its length or the method's scale).
 */
export class TokenTally {
  examples = 0;
  /** Scored tokens seen. */
  tokens = 0;
  /** Examples with some attribution mass (an all-zero map adds tokens but no mass). */
  mass = 0;
  private readonly totals = new Map<string, TokenTotals>();

  /** One example: its tokens' keys and scores (same length). */
  add(keys: readonly string[], scores: ArrayLike<number>): void {
    this.examples++;
    this.tokens += keys.length;
    let sum = 0;
    for (let i = 0; i < scores.length; i++) sum += Math.abs(scores[i]!);
    const usable = Number.isFinite(sum) && sum > 0;
    if (usable) this.mass++;
    for (let i = 0; i < keys.length; i++) {
      let t = this.totals.get(keys[i]!);
      if (!t) {
        t = { count: 0, mass: 0 };
        this.totals.set(keys[i]!, t);
      }
      t.count++;
      if (usable) t.mass += Math.abs(scores[i]!) / sum;
    }
  }

  /** The statistics of one token (zeros when it never occurred). */
  stat(key: string, display: (key: string) => string): TokenStat {
    const t = this.totals.get(key) ?? { count: 0, mass: 0 };
    const share = this.mass > 0 ? t.mass / this.mass : 0;
    const occurrenceShare = this.tokens > 0 ? t.count / this.tokens : 0;
    return { key, token: display(key), count: t.count, share, occurrenceShare, lift: occurrenceShare > 0 ? share / occurrenceShare : 0 };
  }

  keys(): IterableIterator<string> {
    return this.totals.keys();
  }

  /** Every token seen at least `minCount` times. */
  stats(display: (key: string) => string, minCount = 1): TokenStat[] {
    const out: TokenStat[] = [];
    for (const [key, t] of this.totals) if (t.count >= minCount) out.push(this.stat(key, display));
    return out;
  }

  /** The tokens for which `member` holds, taken together. */
  group(member: (key: string) => boolean, display: (key: string) => string): GroupStat {
    const tokens = this.stats(display).filter((s) => member(s.key));
    const count = tokens.reduce((n, s) => n + s.count, 0);
    const share = tokens.reduce((n, s) => n + s.share, 0);
    const occurrenceShare = this.tokens > 0 ? count / this.tokens : 0;
    return { count, share, occurrenceShare, lift: occurrenceShare > 0 ? share / occurrenceShare : 0, tokens: tokens.sort((a, b) => b.share - a.share) };
  }
}

/** Largest lift first (ties: larger share, then the key), among tokens seen at least `minCount` times. */
export function byLift(stats: readonly TokenStat[], minCount: number, top: number): TokenStat[] {
  return stats
    .filter((s) => s.count >= minCount)
    .sort((a, b) => b.lift - a.lift || b.share - a.share || (a.key < b.key ? -1 : 1))
    .slice(0, top);
}
