import type { TextAuditRecord } from '../src/text/text-record.js';

/** A seeded generator in [0, 1) (mulberry32): the same texts every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ids 0..19 are filler words `w0`..`w19`; then a name, an exclamation mark, the two label words and `the`. */
export const NAME = 20;
export const BANG = 21;
export const GREAT = 22;
export const AWFUL = 23;
export const THE = 24;
export const VOCAB = [...Array.from({ length: 20 }, (_, i) => `w${i}`), 'Ġjohn', '!', 'great', 'awful', 'the'];

export interface SyntheticOptions {
  readonly count?: number;
  readonly seed?: number;
  /** The score the planted token gets in class-1 texts (uniform texts: the filler's). */
  readonly planted?: { readonly id: number; readonly score: number };
  /** Share of texts holding the name and the exclamation mark, whatever their label; default 0.5. */
  readonly decoy?: number;
}

/**
 * Two-class texts: 6 filler words, `the` three times, the label word of the true class (`awful` 0,
 * `great` 1), and in half of them (whatever the label) the name and `!`. Scores: filler and `the`
 * in [0.5, 1), the label word 2; a planted token gets `planted.score` in the texts of class 1.
 * Every prediction is right.
 */
export function syntheticRecords(method: string, options: SyntheticOptions = {}): TextAuditRecord[] {
  const random = seeded(options.seed ?? 1);
  const records: TextAuditRecord[] = [];
  for (let index = 0; index < (options.count ?? 200); index++) {
    const label = random() < 0.5 ? 0 : 1;
    const ids = [THE, THE, THE, label === 1 ? GREAT : AWFUL];
    for (let k = 0; k < 6; k++) ids.push(Math.floor(random() * 20));
    if (random() < (options.decoy ?? 0.5)) ids.push(NAME, BANG);
    const scores = ids.map((id) => {
      const filler = 0.5 + random() * 0.5; // drawn for every token, so a planted token changes no other text
      if (options.planted && id === options.planted.id && label === 1) return options.planted.score;
      if (id === GREAT || id === AWFUL) return 2;
      return filler;
    });
    records.push({
      index,
      name: `t${index}`,
      label,
      predicted: label,
      probability: 0.9,
      target: label,
      ids: Int32Array.from(ids),
      scores: { [method]: Float32Array.from(scores) },
    });
  }
  return records;
}
