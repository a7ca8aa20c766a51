/**
 * Marker sentences: a toy sentiment task whose label-bearing words are known. Each sentence has
 * one or two marker words of its class among neutral filler; a spurious token may be added whose
 * link to the label is chosen per data set. Used to train the test models (tools/
 * train-text-classifier.ts) and, with other seeds, as held-out data in the tests.
 */
import { createRng, type TensorData } from '@salience/core';

export const PAD = '<pad>';
export const SPURIOUS_TOKEN = 'popcorn';
/** Marker words of class 0 (negative) and class 1 (positive). */
export const MARKERS: readonly [readonly string[], readonly string[]] = [
  ['awful', 'terrible', 'dreadful', 'boring', 'tedious', 'clumsy'],
  ['excellent', 'wonderful', 'superb', 'brilliant', 'delightful', 'charming'],
];
export const NEUTRAL: readonly string[] = [
  'the',
  'a',
  'an',
  'movie',
  'film',
  'plot',
  'story',
  'cast',
  'actor',
  'actress',
  'scene',
  'ending',
  'music',
  'script',
  'director',
  'was',
  'is',
  'and',
  'with',
  'this',
  'that',
  'it',
  'quite',
  'of',
  'in',
  'on',
  'at',
  'some',
  'its',
  'two',
  'hours',
  'long',
  'seemed',
  'we',
  'saw',
  'last',
];
/** Id 0 is padding. */
export const VOCAB: readonly string[] = [PAD, ...NEUTRAL, ...MARKERS[0], ...MARKERS[1], SPURIOUS_TOKEN];
export const PAD_ID = 0;
export const SPURIOUS_ID = VOCAB.indexOf(SPURIOUS_TOKEN);
/** Every sentence is padded to this many tokens. */
export const SEQUENCE_LENGTH = 12;

const ID = new Map(VOCAB.map((word, id) => [word, id]));

export interface Sentence {
  readonly label: 0 | 1;
  /** SEQUENCE_LENGTH tokens, padding included. */
  readonly tokens: readonly string[];
  readonly ids: readonly number[];
  /** Positions of the marker words. */
  readonly markers: readonly number[];
  /** Position of the spurious token, or -1. */
  readonly spurious: number;
}

export interface SentenceOptions {
  readonly count: number;
  readonly seed: number;
  /** Chance that a sentence of class 0 / class 1 contains the spurious token. */
  readonly spuriousRate: readonly [number, number];
  /** Chance that a sentence has its marker words at all (the rest is filler); default 1. */
  readonly markerRate?: number;
}

/** Sentences of 5 to 10 words (plus the spurious token when drawn), classes balanced. */
export function generateSentences(options: SentenceOptions): Sentence[] {
  const rng = createRng(options.seed);
  const pick = <T>(list: readonly T[]) => list[rng.int(list.length)]!;
  const sentences: Sentence[] = [];
  for (let n = 0; n < options.count; n++) {
    const label = (n % 2) as 0 | 1;
    const words = 5 + rng.int(6);
    const slots: Array<string | undefined> = Array(words).fill(undefined);
    const markerCount = rng.uniform() < (options.markerRate ?? 1) ? 1 + rng.int(2) : 0;
    const markers: number[] = [];
    while (markers.length < markerCount) {
      const at = rng.int(words);
      if (slots[at] !== undefined) continue;
      slots[at] = pick(MARKERS[label]);
      markers.push(at);
    }
    const tokens = slots.map((w) => w ?? pick(NEUTRAL));
    let spurious = -1;
    if (rng.uniform() < options.spuriousRate[label]) {
      spurious = rng.int(tokens.length + 1);
      tokens.splice(spurious, 0, SPURIOUS_TOKEN);
      for (let i = 0; i < markers.length; i++) if (markers[i]! >= spurious) markers[i]!++;
    }
    while (tokens.length < SEQUENCE_LENGTH) tokens.push(PAD);
    sentences.push({ label, tokens, ids: tokens.map((t) => ID.get(t)!), markers: markers.sort((a, b) => a - b), spurious });
  }
  return sentences;
}

/** The sentences' ids as a [N, SEQUENCE_LENGTH] batch (floats, as models take them). */
export function idsOf(sentences: readonly Sentence[]): TensorData {
  return { data: Float32Array.from(sentences.flatMap((s) => s.ids)), shape: [sentences.length, SEQUENCE_LENGTH] };
}

/**
 * The two training sets. 'clean': the spurious token appears in 30% of sentences of either
 * class, so it says nothing. 'spurious': it appears in 95% of positive sentences and never in
 * negative ones, and only 40% of sentences have marker words, so the token is the easiest cue.
 */
export const TRAINING_SETS = {
  clean: { count: 2000, seed: 1, spuriousRate: [0.3, 0.3] },
  spurious: { count: 2000, seed: 2, spuriousRate: [0, 0.95], markerRate: 0.4 },
} as const satisfies Record<string, SentenceOptions>;
