import { OptionError } from '@salience/core';
import type { Rgba } from './image.js';
import { LARGE_FACE, SMALL_FACE, type TypefaceData } from './typeface-data.js';

/** The two sizes of the built-in typeface (DejaVu Sans, antialiased): 11 px and 15 px em. */
export type TextSize = 'small' | 'large';

export const TEXT_SIZES: readonly TextSize[] = ['small', 'large'];

interface Face {
  readonly data: TypefaceData;
  /** Per character: glyph index. */
  readonly index: ReadonlyMap<number, number>;
  /** Per glyph: offset of its first coverage value. */
  readonly offsets: Int32Array;
  /** Coverage 0..255, all glyphs. */
  readonly coverage: Uint8Array;
}

const faces = new Map<TextSize, Face>();

/** Decoded on first use, so importing the package costs nothing. */
function face(size: TextSize): Face {
  const cached = faces.get(size);
  if (cached) return cached;
  if (!TEXT_SIZES.includes(size)) throw new OptionError(`Unknown text size '${size as string}'; use 'small' or 'large'.`);
  const data = size === 'large' ? LARGE_FACE : SMALL_FACE;
  const packed = decodeBase64(data.coverage);
  const coverage = new Uint8Array(packed.length * 2);
  for (let i = 0; i < packed.length; i++) {
    coverage[2 * i] = (packed[i]! >> 4) * 17;
    coverage[2 * i + 1] = (packed[i]! & 15) * 17;
  }
  const offsets = new Int32Array(data.codes.length);
  let at = 0;
  for (let g = 0; g < data.codes.length; g++) {
    offsets[g] = at;
    at += data.widths[g]! * data.height;
  }
  const made: Face = { data, index: new Map(data.codes.map((c, g) => [c, g])), offsets, coverage };
  faces.set(size, made);
  return made;
}

function decodeBase64(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const values = new Uint8Array(128);
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n =
      (values[clean.charCodeAt(i)]! << 18) |
      (values[clean.charCodeAt(i + 1)]! << 12) |
      ((i + 2 < clean.length ? values[clean.charCodeAt(i + 2)] : 0)! << 6) |
      (i + 3 < clean.length ? values[clean.charCodeAt(i + 3)] : 0)!;
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Glyph of a character; characters the typeface lacks draw as '?'. */
function glyph(f: Face, char: string): number {
  return f.index.get(char.codePointAt(0) ?? 63) ?? (f.index.get(63) as number);
}

/** Width (advance sum) and line height in pixels of `text` in the built-in typeface. */
export function measureLabel(text: string, size: TextSize = 'small'): { width: number; height: number } {
  const f = face(size);
  let width = 0;
  for (const char of text) width += f.data.advances[glyph(f, char)]!;
  return { width, height: f.data.height };
}

/** `text`, cut and ending in '…' when needed, so that it is at most `width` pixels wide. */
export function fitLabel(text: string, width: number, size: TextSize = 'small'): string {
  if (measureLabel(text, size).width <= width) return text;
  const chars = [...text];
  while (chars.length > 0 && measureLabel(`${chars.join('')}…`, size).width > width) chars.pop();
  return chars.length === 0 ? '' : `${chars.join('').trimEnd()}…`;
}

/**
 * Draws `text` with the top-left of its line box at (x, y): antialiased, blended over the
 * target's pixels (source-over, `colour`'s alpha times the glyph coverage); pixels outside the
 * target are skipped. Returns the pen position after the text.
 */
export function drawLabel(
  target: { readonly width: number; readonly height: number; readonly data: Uint8ClampedArray },
  text: string,
  x: number,
  y: number,
  colour: Rgba,
  size: TextSize = 'small',
): number {
  const f = face(size);
  const { height, advances, bearings, widths } = f.data;
  let pen = Math.round(x);
  const top = Math.round(y);
  for (const char of text) {
    const g = glyph(f, char);
    const w = widths[g]!;
    const base = f.offsets[g]!;
    const left = pen + bearings[g]!;
    for (let r = 0; r < height; r++) {
      const py = top + r;
      if (py < 0 || py >= target.height) continue;
      for (let c = 0; c < w; c++) {
        const px = left + c;
        if (px < 0 || px >= target.width) continue;
        const a = (f.coverage[base + r * w + c]! / 255) * (colour[3] / 255);
        if (a === 0) continue;
        const o = (py * target.width + px) * 4;
        const under = target.data[o + 3]! / 255;
        const outA = a + under * (1 - a);
        for (let k = 0; k < 3; k++) target.data[o + k] = Math.round((colour[k]! * a + target.data[o + k]! * under * (1 - a)) / outA);
        target.data[o + 3] = Math.round(outA * 255);
      }
    }
    pen += advances[g]!;
  }
  return pen;
}
