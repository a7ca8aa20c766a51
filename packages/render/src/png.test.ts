import { OptionError, ShapeError } from '@salience/core';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { toBase64 } from './base64.js';
import { decodePng, encodePng, pngDataUri } from './png.js';

function randomImage(width: number, height: number) {
  const data = new Uint8ClampedArray(width * height * 4);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = seed >>> 24;
  }
  return { width, height, data };
}

describe('PNG', () => {
  it('round-trips RGBA pixels exactly', () => {
    const image = randomImage(7, 5);
    const bytes = encodePng(image);
    expect(Array.from(bytes.slice(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const back = decodePng(bytes);
    expect(back.width).toBe(7);
    expect(back.height).toBe(5);
    expect(back.data).toBeInstanceOf(Uint8ClampedArray);
    expect(Array.from(back.data)).toEqual(Array.from(image.data));
  });

  it('decodes gray, gray + alpha, 16-bit RGB, 1-bit gray and palette PNGs to RGBA', () => {
    const gray = encode({ width: 2, height: 1, data: Uint8Array.of(0, 200), channels: 1, depth: 8 });
    expect(Array.from(decodePng(gray).data)).toEqual([0, 0, 0, 255, 200, 200, 200, 255]);
    const grayAlpha = encode({ width: 1, height: 1, data: Uint8Array.of(90, 30), channels: 2, depth: 8 });
    expect(Array.from(decodePng(grayAlpha).data)).toEqual([90, 90, 90, 30]);
    const deep = encode({ width: 1, height: 1, data: Uint16Array.of(65535, 32896, 0), channels: 3, depth: 16 });
    expect(Array.from(decodePng(deep).data)).toEqual([255, 128, 0, 255]);
    // 1-bit gray, 3 pixels packed into one byte: 1 0 1.
    const bits = encode({ width: 3, height: 1, data: Uint8Array.of(0b10100000), channels: 1, depth: 1 });
    expect(Array.from(decodePng(bits).data)).toEqual([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255]);
    // fast-png's encoder writes tRNS correctly only when the translucent entries come first.
    const palette = encode({
      width: 2,
      height: 1,
      data: Uint8Array.of(0, 1),
      channels: 1,
      depth: 8,
      palette: [
        [40, 50, 60, 0],
        [10, 20, 30, 255],
      ],
    });
    expect(Array.from(decodePng(palette).data)).toEqual([40, 50, 60, 0, 10, 20, 30, 255]);
  });

  it('refuses empty images and unreadable bytes with typed errors', () => {
    expect(() => encodePng({ width: 0, height: 0, data: new Uint8ClampedArray(0) })).toThrow(ShapeError);
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(3) })).toThrow(ShapeError);
    expect(() => decodePng(Uint8Array.of(1, 2, 3))).toThrow(OptionError);
  });

  it('makes data: URIs whose base64 is the PNG', () => {
    const image = randomImage(3, 3);
    const uri = pngDataUri(image);
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    const bytes = Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64');
    expect(Array.from(decodePng(new Uint8Array(bytes)).data)).toEqual(Array.from(image.data));
  });
});

describe('toBase64', () => {
  it('agrees with Node for every padding case and long input', () => {
    for (let n = 0; n < 8; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 255);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
    const long = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 31 + (i >> 7)) & 255);
    expect(toBase64(long)).toBe(Buffer.from(long).toString('base64'));
  });
});
