import type { EncodedText } from '@salience/text';
import { describe, expect, it } from 'vitest';
import { displayTokens } from './text-outputs.js';

const encoded = (text: string, tokens: string[], offsets: [number, number][], special: boolean[]): EncodedText => ({
  text,
  tokens,
  ids: tokens.map((_, i) => i),
  offsets,
  special,
  truncated: 0,
});

describe('displayTokens', () => {
  it('rebuilds the text from the tokens: whitespace before each token, special tokens by name', () => {
    const e = encoded(
      'The film, honestly',
      ['[CLS]', 'the', 'film', ',', 'honest', '##ly', '[SEP]'],
      [
        [0, 0],
        [0, 3],
        [4, 8],
        [8, 9],
        [10, 16],
        [16, 18],
        [0, 0],
      ],
      [true, false, false, false, false, false, true],
    );
    const shown = displayTokens(e);
    expect(shown).toEqual(['[CLS] ', 'The', ' film', ',', ' honest', 'ly', ' [SEP]']);
    expect(shown.slice(1, -1).join('')).toBe(e.text);
  });

  it('bytes of one character (tokens sharing a span) show the character once', () => {
    const e = encoded(
      'ok 👍',
      ['ok', 'Ġ', 'ðŁ', 'ĳį'],
      [
        [0, 2],
        [3, 3],
        [3, 5],
        [3, 5],
      ],
      [false, false, false, false],
    );
    expect(displayTokens(e)).toEqual(['ok', ' ', '👍', '']);
  });
});
