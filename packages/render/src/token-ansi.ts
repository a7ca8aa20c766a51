import { OptionError } from '@salience/core';
import { rgbToAnsi256 } from './ansi-colour.js';
import type { Rgb } from './colormap.js';
import { showControlChars as visible } from './control-chars.js';
import { colourTokens, formatScore, type TokenColourOptions } from './token-colours.js';

/** 'truecolor': 24-bit escapes; '256': the xterm 256-colour palette (for terminals without 24-bit colour). */
export type AnsiColors = 'truecolor' | '256';

export interface TokensAnsiOptions extends TokenColourOptions {
  /** Default 'truecolor'. */
  readonly colors?: AnsiColors;
  /** Add a line with the colour scale; default true. */
  readonly legend?: boolean;
  /** Put between tokens; default ' '. */
  readonly separator?: string;
}

const RESET = '\x1b[0m';

/**
 * The tokens with ANSI background colours by score and a readable (black or white) foreground,
 * for printing to a terminal. Control characters inside tokens are shown escaped (`\n`, `\x1b`),
 * so a token can never move the cursor or inject escapes.
 */
export function tokensToAnsi(tokens: readonly string[], scores: ArrayLike<number>, options: TokensAnsiOptions = {}): string {
  const { colors = 'truecolor', legend = true, separator = ' ' } = options;
  if (colors !== 'truecolor' && colors !== '256') throw new OptionError(`colors must be 'truecolor' or '256'; got '${colors as string}'.`);
  const colouring = colourTokens(tokens, scores, options);
  const paint = (background: Rgb, foreground: Rgb, text: string) => `${ansiColour(background, colors, 48)}${ansiColour(foreground, colors, 38)}${text}${RESET}`;
  const line = tokens.map((token, i) => paint(colouring.colours[i]!.background, colouring.colours[i]!.foreground, visible(token))).join(visible(separator));
  if (!legend) return line;
  const blocks: string[] = [];
  for (let k = 0; k < 16; k++) blocks.push(`${ansiColour(colouring.legendColour((k + 0.5) / 16), colors, 48)} `);
  const low = colouring.signed ? formatScore(-colouring.scale) : '0';
  return `${line}\n${low} ${blocks.join('')}${RESET} ${formatScore(colouring.scale, colouring.signed)}`;
}

/** SGR escape for a background (48) or foreground (38) colour. */
export function ansiColour(rgb: Rgb, colors: AnsiColors, layer: 38 | 48): string {
  return colors === 'truecolor' ? `\x1b[${layer};2;${rgb[0]};${rgb[1]};${rgb[2]}m` : `\x1b[${layer};5;${rgbToAnsi256(rgb)}m`;
}
