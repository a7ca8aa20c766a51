import { rgbToHex } from './colormap.js';
import { showControlChars } from './control-chars.js';
import { escapeHtml } from './html-escape.js';
import { colourTokens, formatScore, type TokenColourOptions } from './token-colours.js';

export interface TokensHtmlOptions extends TokenColourOptions {
  /** Draw a colour scale under the text; default true. */
  readonly legend?: boolean;
  /** Put between tokens; default ' '. Use '' for tokens that carry their own spaces. */
  readonly separator?: string;
}

/**
 * An HTML fragment with each token on a background coloured by its score (inline styles, so it
 * can be dropped into any page); the exact score is in each token's tooltip. All text is escaped,
 * and control characters inside tokens are shown as `\n`, `\x1b`...
 */
export function tokensToHtml(tokens: readonly string[], scores: ArrayLike<number>, options: TokensHtmlOptions = {}): string {
  const { legend = true, separator = ' ' } = options;
  const colouring = colourTokens(tokens, scores, options);
  const spans = tokens.map((token, i) => {
    const { background, foreground } = colouring.colours[i]!;
    const style = `background-color:${rgbToHex(background)};color:${rgbToHex(foreground)};padding:1px 2px;border-radius:3px`;
    return `<span class="salience-token" style="${style}" title="${escapeHtml(`${showControlChars(token)}: ${scores[i]}`)}">${escapeHtml(showControlChars(token))}</span>`;
  });
  const text = `<div style="white-space:pre-wrap;line-height:1.9">${spans.join(escapeHtml(separator))}</div>`;
  return `<div class="salience-tokens">${text}${legend ? legendHtml(colouring) : ''}</div>`;
}

function legendHtml(colouring: ReturnType<typeof colourTokens>): string {
  const stops: string[] = [];
  for (let s = 0; s <= 16; s++) stops.push(`${rgbToHex(colouring.legendColour(s / 16))} ${((s / 16) * 100).toFixed(2)}%`);
  const low = colouring.signed ? formatScore(-colouring.scale) : '0';
  const high = formatScore(colouring.scale, colouring.signed);
  const bar = `<span style="display:inline-block;width:160px;height:10px;border:1px solid #8884;border-radius:2px;background:linear-gradient(to right, ${stops.join(', ')})"></span>`;
  return `<div class="salience-legend" style="display:flex;align-items:center;gap:6px;font-size:12px;margin-top:6px"><span>${low}</span>${bar}<span>${high}</span></div>`;
}
