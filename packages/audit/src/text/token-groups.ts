/**
 * How a text audit names tokens and puts them in groups. Tokens are aggregated by their key: the
 * token as it reads (a byte-level BPE `Ġ` or SentencePiece `▁` word-start mark dropped), lower
 * case. WordPiece continuations keep their `##`, so a word piece is never merged with a word.
 */

/** The token as a person reads it: the word-start marks of byte-level BPE (`Ġ`) and SentencePiece (`▁`) dropped. */
export function tokenDisplay(token: string): string {
  const shown = token.replace(/^[\u0120\u2581]+/, '');
  return shown === '' ? token : shown;
}

/** The aggregation key of a token: its display form in lower case. */
export function tokenKey(token: string): string {
  return tokenDisplay(token).toLowerCase();
}

/** Tokens made only of punctuation and symbols (Unicode P and S categories): `.`, `!!`, `$`, `:)`... */
export function isPunctuation(key: string): boolean {
  return /^[\p{P}\p{S}]+$/u.test(key);
}

/** The built-in group: every punctuation or symbol token. */
export const PUNCTUATION_GROUP = 'punctuation';
/** The group of the user's suspect tokens. */
export const SUSPECT_GROUP = 'suspect';

/**
 * A suspect list's text: one token or word per line; blank lines and lines starting with `#` are
 * skipped; matched case-insensitively against token keys (a word the tokenizer splits is matched
 * by none of its pieces: list the pieces, as `salience explain` shows them, to catch it).
 */
export function parseSuspects(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const word = line.trim();
    if (word === '' || word.startsWith('#')) continue;
    out.add(tokenKey(word));
  }
  return [...out];
}

/** Which groups a token key belongs to. */
export function tokenGroups(key: string, suspects: ReadonlySet<string>): string[] {
  const groups: string[] = [];
  if (isPunctuation(key)) groups.push(PUNCTUATION_GROUP);
  if (suspects.has(key)) groups.push(SUSPECT_GROUP);
  return groups;
}
