import { OptionError } from '@salience/core';
import { BLUE_WHITE_RED_STOPS, type ChannelPolynomials, INFERNO_FIT, MAGMA_FIT, RED_WHITE_GREEN_STOPS, TURBO_STOPS, VIRIDIS_FIT } from './colormap-data.js';

/** An sRGB colour with 0..255 channels. */
export type Rgb = readonly [red: number, green: number, blue: number];

/** 'sequential' maps [0, 1] (no sign); 'diverging' maps [-1, 1] with white-ish at 0. */
export type ColormapKind = 'sequential' | 'diverging';

export type SequentialColormapName = 'viridis' | 'inferno' | 'magma' | 'turbo' | 'gray';
export type DivergingColormapName = 'blue-white-red' | 'red-white-green';
export type ColormapName = SequentialColormapName | DivergingColormapName;

/** A colormap is a function from a value to a colour, backed by a 256-entry lookup table. */
export interface Colormap {
  (value: number): Rgb;
  readonly name: string;
  readonly kind: ColormapKind;
  /** The values mapped to the first and the last entry: [0, 1], or [-1, 1] for diverging maps. */
  readonly domain: readonly [number, number];
  /** `LUT_SIZE` RGB triples, low end first. */
  readonly lut: Uint8Array;
  /** The entry a value falls in: clamped to the domain, NaN counts as 0. */
  index(value: number): number;
}

export const LUT_SIZE = 256;

/** Perceptually ordered maps for unsigned scores in [0, 1]. */
export const SEQUENTIAL_COLORMAPS: readonly SequentialColormapName[] = ['viridis', 'inferno', 'magma', 'turbo', 'gray'];
/** Maps for signed scores in [-1, 1]. */
export const DIVERGING_COLORMAPS: readonly DivergingColormapName[] = ['blue-white-red', 'red-white-green'];
export const COLORMAP_NAMES: readonly ColormapName[] = [...SEQUENTIAL_COLORMAPS, ...DIVERGING_COLORMAPS];

const built = new Map<ColormapName, Colormap>();

/** A built-in colormap by name (tables are built on first use), or `map` itself when given a colormap. */
export function colormap(name: ColormapName | Colormap): Colormap {
  if (typeof name === 'function') return name;
  let map = built.get(name);
  if (map === undefined) {
    map = buildNamed(name);
    built.set(name, map);
  }
  return map;
}

function buildNamed(name: ColormapName): Colormap {
  switch (name) {
    case 'viridis':
      return colormapFromFunction(name, 'sequential', polynomial(VIRIDIS_FIT));
    case 'inferno':
      return colormapFromFunction(name, 'sequential', polynomial(INFERNO_FIT));
    case 'magma':
      return colormapFromFunction(name, 'sequential', polynomial(MAGMA_FIT));
    case 'turbo':
      return colormapFromStops(name, 'sequential', TURBO_STOPS);
    case 'gray':
      return colormapFromFunction(name, 'sequential', (t) => [t, t, t]);
    case 'blue-white-red':
      return colormapFromStops(name, 'diverging', BLUE_WHITE_RED_STOPS);
    case 'red-white-green':
      return colormapFromStops(name, 'diverging', RED_WHITE_GREEN_STOPS);
    default:
      throw new OptionError(`Unknown colormap '${name as string}'; use one of ${COLORMAP_NAMES.join(', ')}.`);
  }
}

function polynomial(fit: ChannelPolynomials): (t: number) => [number, number, number] {
  const horner = (c: readonly number[], t: number) => {
    let acc = 0;
    for (let k = c.length - 1; k >= 0; k--) acc = acc * t + c[k]!;
    return acc;
  };
  return (t) => [horner(fit[0], t), horner(fit[1], t), horner(fit[2], t)];
}

/**
 * A colormap sampled from `shade(t)` at t = i / 255 for each of the 256 entries; `shade` returns
 * channels in [0, 1] (values outside are clipped).
 */
export function colormapFromFunction(name: string, kind: ColormapKind, shade: (t: number) => readonly [number, number, number]): Colormap {
  const lut = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const rgb = shade(i / (LUT_SIZE - 1));
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(Math.min(1, Math.max(0, rgb[c]!)) * 255);
  }
  return colormapFromLut(name, kind, lut);
}

/** A colormap interpolating linearly in sRGB between evenly spaced colours ('#rrggbb' or RGB 0..255). */
export function colormapFromStops(name: string, kind: ColormapKind, stops: readonly (string | Rgb)[]): Colormap {
  if (stops.length < 2) throw new OptionError(`A colormap needs at least 2 colour stops; '${name}' has ${stops.length}.`);
  const colours = stops.map(parseColour);
  const segments = colours.length - 1;
  return colormapFromFunction(name, kind, (t) => {
    const position = t * segments;
    const k = Math.min(segments - 1, Math.floor(position));
    const f = position - k;
    const a = colours[k]!;
    const b = colours[k + 1]!;
    return [(a[0] + (b[0] - a[0]) * f) / 255, (a[1] + (b[1] - a[1]) * f) / 255, (a[2] + (b[2] - a[2]) * f) / 255];
  });
}

/** Wraps a ready table of 256 RGB triples (768 bytes, low end first). */
export function colormapFromLut(name: string, kind: ColormapKind, lut: Uint8Array): Colormap {
  if (lut.length !== LUT_SIZE * 3) {
    throw new OptionError(`A colormap table needs ${LUT_SIZE} RGB triples (${LUT_SIZE * 3} bytes); got ${lut.length} bytes.`);
  }
  if (kind !== 'sequential' && kind !== 'diverging') {
    throw new OptionError(`Unknown colormap kind '${kind as string}'; use 'sequential' or 'diverging'.`);
  }
  const domain: readonly [number, number] = kind === 'diverging' ? [-1, 1] : [0, 1];
  const [lo, hi] = domain;
  // Same binning as matplotlib with N = 256, so colours match Captum's figures.
  const index = (value: number): number => {
    const v = Number.isNaN(value) ? 0 : value;
    const i = Math.floor(((v - lo) / (hi - lo)) * LUT_SIZE);
    return i < 0 ? 0 : i >= LUT_SIZE ? LUT_SIZE - 1 : i;
  };
  const map = (value: number): Rgb => {
    const i = index(value) * 3;
    return [lut[i]!, lut[i + 1]!, lut[i + 2]!];
  };
  return withName(map, name, kind, domain, lut, index);
}

function withName(map: (value: number) => Rgb, name: string, kind: ColormapKind, domain: readonly [number, number], lut: Uint8Array, index: (value: number) => number): Colormap {
  // A function's own `name` is read-only; redefine it so `colormap('viridis').name === 'viridis'`.
  Object.defineProperty(map, 'name', { value: name });
  return Object.assign(map, { kind, domain, lut, index }) as Colormap;
}

function parseColour(colour: string | Rgb): Rgb {
  if (typeof colour !== 'string') {
    if (colour.length !== 3 || colour.some((c) => !(c >= 0 && c <= 255))) {
      throw new OptionError(`A colour stop must be [r, g, b] with channels in 0..255; got [${colour.join(', ')}].`);
    }
    return colour;
  }
  const match = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!match) throw new OptionError(`A colour stop must look like '#rrggbb'; got '${colour}'.`);
  const n = Number.parseInt(match[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** '#rrggbb' for a colour. */
export function rgbToHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG relative luminance of an sRGB colour, in [0, 1]. */
export function relativeLuminance(rgb: Rgb): number {
  const linear = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
}

/** Black or white, whichever reads better on `background` (higher WCAG contrast). */
export function readableTextColour(background: Rgb): Rgb {
  const y = relativeLuminance(background);
  // Contrast with black is (y + 0.05) / 0.05, with white 1.05 / (y + 0.05); they cross at y ≈ 0.179.
  return (y + 0.05) / 0.05 >= 1.05 / (y + 0.05) ? [0, 0, 0] : [255, 255, 255];
}
