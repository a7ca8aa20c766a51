import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { drawText, GLYPH_HEIGHT, glyphRows, measureText } from './font.js';
import { createImage } from './image.js';

function rowsToText(rows: number[]): string[] {
  return rows.map((r) => r.toString(2).padStart(5, '0').replace(/0/g, '.').replace(/1/g, '#'));
}

describe('bitmap font', () => {
  it('has a glyph for every printable ASCII character, and "?" for the rest', () => {
    expect(rowsToText(glyphRows('I'))).toEqual(['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.', '.....']);
    expect(rowsToText(glyphRows('g')).slice(5)).toEqual(['.####', '....#', '.###.']);
    expect(glyphRows(' ')).toEqual(new Array(GLYPH_HEIGHT).fill(0));
    expect(glyphRows('é')).toEqual(glyphRows('?'));
    expect(glyphRows('\n')).toEqual(glyphRows('?'));
    const glyphs = new Set<string>();
    for (let c = 33; c < 127; c++) glyphs.add(glyphRows(String.fromCharCode(c)).join(','));
    expect(glyphs.size).toBe(94);
  });

  it('measures text at integer scales', () => {
    expect(measureText('')).toEqual({ width: 0, height: 8 });
    expect(measureText('ab')).toEqual({ width: 11, height: 8 });
    expect(measureText('ab', 3)).toEqual({ width: 33, height: 24 });
    expect(() => measureText('a', 1.5)).toThrow(OptionError);
  });

  it('paints exactly the glyph pixels and clips at the edges', () => {
    const image = createImage(6, 8);
    drawText(image, 'I', 0, 0, [255, 0, 0, 255]);
    const painted: string[] = [];
    for (let y = 0; y < 8; y++) {
      let line = '';
      for (let x = 0; x < 5; x++) line += image.data[(y * 6 + x) * 4 + 3] === 255 ? '#' : '.';
      painted.push(line);
    }
    expect(painted).toEqual(rowsToText(glyphRows('I')));
    expect(image.data.slice(0, 4)).toEqual(Uint8ClampedArray.of(0, 0, 0, 0));
    expect(image.data.slice(4, 8)).toEqual(Uint8ClampedArray.of(255, 0, 0, 255));
    const small = createImage(3, 3);
    expect(() => drawText(small, 'WW', -4, -2, [0, 0, 0, 255], 2)).not.toThrow();
  });
});
