import { OptionError, ShapeError } from '@salience/core';
import { type Colormap, type ColormapName, colormap, type Rgb, readableTextColour } from './colormap.js';
import { DEFAULT_DIVERGING_COLORMAP } from './heatmap.js';

export interface TokenColourOptions {
  /** Colour by signed score (diverging); default: true when any score is negative. */
  readonly signed?: boolean;
  /**
   * Default 'blue-white-red': signed scores use all of it, unsigned ones its white-to-red half,
   * so a score of 0 is always white. A sequential map spans [-scale, scale] or [0, scale].
   */
  readonly colormap?: ColormapName | Colormap;
  /** The score drawn at full colour; default max |score|. Give the same value to compare texts. */
  readonly scale?: number;
}

export interface TokenColour {
  readonly background: Rgb;
  readonly foreground: Rgb;
}

export interface TokenColouring {
  readonly signed: boolean;
  readonly scale: number;
  readonly colours: readonly TokenColour[];
  /** The colour at a fraction of the legend, 0 at the low end (-scale or 0) and 1 at +scale. */
  legendColour(fraction: number): Rgb;
}

/** Background and readable foreground for each token's score. */
export function colourTokens(tokens: readonly string[], scores: ArrayLike<number>, options: TokenColourOptions): TokenColouring {
  if (!Array.isArray(tokens)) throw new OptionError('tokens must be an array of strings.');
  if (scores?.length !== tokens.length) {
    throw new ShapeError(`Got ${tokens.length} tokens but ${scores?.length} scores; give one score per token.`);
  }
  const finite = Array.from(scores, (s) => (Number.isFinite(s) ? s : 0));
  const signed = options.signed ?? finite.some((s) => s < 0);
  const scale = options.scale ?? Math.max(0, ...finite.map(Math.abs));
  if (!(scale >= 0 && Number.isFinite(scale))) throw new OptionError(`scale must be a finite number >= 0; got ${scale}.`);
  const cmap = colormap(options.colormap ?? DEFAULT_DIVERGING_COLORMAP);
  // v is the score on the legend's own scale: [-1, 1] when signed, [0, 1] otherwise.
  const shade = (v: number): Rgb => {
    if (cmap.kind === 'diverging') return cmap(v);
    return cmap(signed ? (v + 1) / 2 : v);
  };
  const toUnit = (s: number) => {
    const v = scale > 0 ? s / scale : 0;
    return Math.max(signed ? -1 : 0, Math.min(1, v));
  };
  const colours = finite.map((s) => {
    const background = shade(toUnit(s));
    return { background, foreground: readableTextColour(background) };
  });
  const legendColour = (fraction: number) => shade(signed ? fraction * 2 - 1 : fraction);
  return { signed, scale, colours, legendColour };
}

/** A short label for a legend end: 3 significant digits, sign shown. */
export function formatScore(value: number, withPlus = false): string {
  if (value === 0) return '0';
  const text = Math.abs(value) >= 1e4 || Math.abs(value) < 1e-3 ? value.toExponential(2) : String(Number(value.toPrecision(3)));
  return withPlus && value > 0 ? `+${text}` : text;
}
