import { OptionError } from '@salience/core';
import type { Rgba } from './image.js';

/**
 * A 5 x 8 pixel font for printable ASCII (space to '~'), drawn for this package. Each glyph is 8
 * base-32 digits, one per row from the top; a digit's 5 bits are the row's pixels, left pixel in
 * the high bit. Rows 0-6 hold capitals and digits (baseline at row 6); row 7 holds descenders.
 */
const GLYPHS =
  '0000000044444040aa000000aavavaa04fke5u40op248j30cik8lid044000000248884208422248004lel400044v4400' +
  '00000c48000e000000000cc011248gg0ehjlphe04c4444e0eh1248v0v2421he026aiv220vgu11he068guhhe0v1248880' +
  'ehhehhe0ehhf12c00cc0cc000cc0c480248g842000v0v00084212480eh124040eh1dlle0ehhvhhh0uhhuhhu0ehggghe0' +
  'sihhhis0vgguggv0vgguggg0ehgnhhf0hhhvhhh0e44444e072222ic0hikokih0ggggggv0hrllhhh0hhpljhh0ehhhhhe0' +
  'uhhuggg0ehhhlid0uhhukih0fgge11u0v4444440hhhhhhe0hhhhha40hhhllla0hha4ahh0hha44440v1248gv0e88888e0' +
  'gg842110e22222e04ah000000000000v8400000000e1fhf0ggmphhu000egghe011djhhf000ehvge0698s888000fhhf1e' +
  'ggmphhh040c444e0206222icggikoki0c44444e000qllhh000mphhh000ehhhe000uhhugg00fhhf1100mpggg000ege1u0' +
  '88s8896000hhhjd000hhha4000hhlla000ha4ah000hhhf1e00v248v0244844204444444084424480008l2000';

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 8;
/** Horizontal distance between the starts of two characters (one column of spacing). */
export const GLYPH_ADVANCE = 6;

/** Pixel rows of a character's glyph; characters outside printable ASCII draw as '?'. */
export function glyphRows(char: string): number[] {
  let code = char.charCodeAt(0);
  if (!(code >= 32 && code <= 126)) code = 63;
  const at = (code - 32) * GLYPH_HEIGHT;
  const rows: number[] = [];
  for (let r = 0; r < GLYPH_HEIGHT; r++) rows.push(Number.parseInt(GLYPHS[at + r]!, 32));
  return rows;
}

/** Size in pixels of `text` drawn at an integer `scale`. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  checkScale(scale);
  const n = [...text].length;
  return { width: n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale, height: GLYPH_HEIGHT * scale };
}

/**
 * Draws `text` with its top-left corner at (x, y) into RGBA `data` of the given width and height;
 * pixels outside are skipped. Glyph pixels are painted opaque in `colour`.
 */
export function drawText(
  target: { readonly width: number; readonly height: number; readonly data: Uint8ClampedArray },
  text: string,
  x: number,
  y: number,
  colour: Rgba,
  scale = 1,
): void {
  checkScale(scale);
  let left = Math.round(x);
  const top = Math.round(y);
  for (const char of text) {
    const rows = glyphRows(char);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (((rows[r]! >> (GLYPH_WIDTH - 1 - c)) & 1) === 0) continue;
        for (let dy = 0; dy < scale; dy++) {
          const py = top + r * scale + dy;
          if (py < 0 || py >= target.height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = left + c * scale + dx;
            if (px < 0 || px >= target.width) continue;
            const o = (py * target.width + px) * 4;
            target.data[o] = colour[0];
            target.data[o + 1] = colour[1];
            target.data[o + 2] = colour[2];
            target.data[o + 3] = colour[3];
          }
        }
      }
    }
    left += GLYPH_ADVANCE * scale;
  }
}

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 1) throw new OptionError(`Text scale must be a positive integer; got ${scale}.`);
}
