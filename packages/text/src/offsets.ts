// Character offsets of tokens in the original text. tokenizer.json libraries in JavaScript give ids
// and token strings but no offsets, so each token's surface text (its decoded form) is looked up in
// the text from where the previous token ended, comparing case- and accent-folded characters (what
// BERT-style normalisers do) and skipping whitespace.

/** [start, end) in UTF-16 code units of the original text; [0, 0] for special tokens (as Python's tokenizers). */
export type Offset = readonly [number, number];

function fold(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    const f = ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    for (let k = 0; k < f.length; k++) origin.push(i);
    folded += f;
    i += ch.length;
  }
  origin.push(text.length);
  return { folded, origin };
}

/** One token to place: its surface text (undefined: unknown token, spans the rest of the word), or special. */
export interface TokenSurface {
  readonly surface: string | undefined;
  readonly special: boolean;
  /** Tokens of one group (bytes of one character) share one span: the group's first token carries the surface. */
  readonly continuesGroup?: boolean;
}

/** The offsets of each token in `text`. Tokens whose surface is not found get the empty span at the cursor. */
export function alignOffsets(text: string, tokens: readonly TokenSurface[]): Offset[] {
  const { folded, origin } = fold(text);
  const out: Offset[] = [];
  let cursor = 0; // in folded units
  let last: Offset = [0, 0];
  for (const token of tokens) {
    if (token.special) {
      out.push([0, 0]);
      continue;
    }
    if (token.continuesGroup) {
      out.push(last);
      continue;
    }
    let start = cursor;
    while (start < folded.length && /\s/.test(folded[start]!)) start++;
    let end: number;
    const surface = token.surface === undefined ? '' : fold(token.surface.trim()).folded;
    if (token.surface === undefined) {
      end = start;
      while (end < folded.length && !/\s/.test(folded[end]!)) end++;
    } else if (surface === '') {
      end = start;
    } else {
      const at = folded.indexOf(surface, start);
      if (at < 0) {
        end = start;
      } else {
        start = at;
        end = at + surface.length;
      }
    }
    last = [origin[start]!, end > start ? origin[end - 1]! + lengthAt(text, origin[end - 1]!) : origin[start]!];
    out.push(last);
    cursor = end;
  }
  return out;
}

function lengthAt(text: string, index: number): number {
  const cp = text.codePointAt(index);
  return cp !== undefined && cp > 0xffff ? 2 : 1;
}
