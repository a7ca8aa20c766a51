import { OptionError, tensor } from '@salience/core';
import { tokensToAnsi, tokensToHtml } from '@salience/render';
import { createTokenModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { tokenSaliency } from './token-saliency.js';
import { tokenScores, topTokens } from './token-scores.js';

const ids = tensor([3, 7, 1, 12, 0, 0, 5, 9, 14, 2, 8, 11], [2, 6]);
const words = [
  ['the', 'film', 'was', '<b>great</b>', '[PAD]', '[PAD]'],
  ['a', 'dull', 'and', 'slow', 'plot', '\x1b[31m'],
];

async function explained() {
  const model = createTokenModel({ vocab: 16, dim: 4, classes: 2, seed: 11 });
  return tokenSaliency.attribute(model, ids, { target: { classes: [0, 1] }, padTokenId: 0, tokens: words });
}

describe('tokenScores and topTokens', () => {
  it('list the scored tokens of a map in text order, padding left out', async () => {
    const result = await explained();
    const scored = tokenScores(result, 1);
    expect(scored.map((s) => s.token)).toEqual(['the', 'film', 'was', '<b>great</b>']);
    expect(scored.map((s) => s.id)).toEqual([3, 7, 1, 12]);
    expect(scored.map((s) => s.score)).toEqual(Array.from(result.values.data.subarray(6, 10)));
    expect(tokenScores(result, 3).map((s) => s.position)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rank by value or by magnitude, best first', async () => {
    const result = await explained();
    const all = tokenScores(result, 2);
    const byValue = [...all].sort((a, b) => b.score - a.score);
    const byMagnitude = [...all].sort((a, b) => Math.abs(b.score) - Math.abs(a.score));
    expect(topTokens(result, 2, 3)).toEqual(byValue.slice(0, 3));
    expect(topTokens(result, 2, 2, { by: 'absolute' })).toEqual(byMagnitude.slice(0, 2));
    expect(topTokens(result, 0, 10)).toHaveLength(4);
  });

  it('fall back to the ids as strings without tokens, and reject what they cannot rank', async () => {
    const model = createTokenModel({ vocab: 16, dim: 4, classes: 2 });
    const bare = await tokenSaliency.attribute(model, ids, { target: 0 });
    expect(tokenScores(bare, 0).map((s) => s.token)).toEqual(['3', '7', '1', '12', '0', '0']);
    const perDim = await tokenSaliency.attribute(model, ids, { target: 0, perDimension: true });
    expect(() => tokenScores(perDim, 0)).toThrow(OptionError);
    expect(() => tokenScores(bare, 2)).toThrow(/map must be an integer in 0..1/);
    expect(() => topTokens(bare, 0, 0)).toThrow(/k must be a positive integer/);
  });
});

describe('rendering with @salience/render', () => {
  it('colours the scored tokens as HTML with a legend, escaped', async () => {
    const result = await explained();
    const scored = tokenScores(result, 0);
    const html = tokensToHtml(
      scored.map((s) => s.token),
      scored.map((s) => s.score),
    );
    expect(html).toContain('&lt;b&gt;great&lt;/b&gt;');
    expect(html).not.toContain('[PAD]');
    expect(html).toContain('salience-legend');
    expect(html.match(/class="salience-token"/g)).toHaveLength(4);
    // Signed scores take the diverging map: the legend runs from -max to +max.
    const max = Math.max(...scored.map((s) => Math.abs(s.score)));
    expect(html).toContain(`>+${Number(max.toPrecision(3))}<`);
  });

  it('colours the tokens for a terminal without letting a token inject escapes', async () => {
    const result = await explained();
    const scored = tokenScores(result, 3);
    const text = tokensToAnsi(
      scored.map((s) => s.token),
      scored.map((s) => s.score),
      { colors: '256' },
    );
    expect(text).toContain('\\x1b[31m');
    expect(text).not.toContain('\x1b[31m');
    expect(text.split('\x1b[48;5;').length).toBeGreaterThan(4);
  });
});
