import { encodePng } from '@salience/render';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage, imageDimensions } from './image-decoding.js';

const pixels = (width: number, height: number) => ({ width, height, data: new Uint8ClampedArray(width * height * 4).fill(200) });

describe('image size from the header, before decoding (decompression bombs)', () => {
  it("reads a PNG's IHDR and a JPEG's start-of-frame", () => {
    expect(imageDimensions(encodePng(pixels(7, 5)))).toEqual({ width: 7, height: 5 });
    const jpg = jpeg.encode({ width: 9, height: 4, data: Buffer.from(pixels(9, 4).data) }, 90).data;
    expect(imageDimensions(new Uint8Array(jpg))).toEqual({ width: 9, height: 4 });
  });

  it('refuses an image over the cap without decoding it, saying how to raise the cap', () => {
    const jpg = new Uint8Array(jpeg.encode({ width: 9, height: 4, data: Buffer.from(pixels(9, 4).data) }, 90).data);
    expect(() => decodeImage(jpg, 'photo.jpg', 35)).toThrow(/photo\.jpg is 4x9 pixels \(height x width, .* more than the limit of 35 pixels; .* --max-pixels 36/);
    expect(decodeImage(jpg, 'photo.jpg', 36).width).toBe(9);
    expect(() => decodeImage(encodePng(pixels(7, 5)), 'a.png', 34)).toThrow(/a\.png is 5x7 pixels \(height x width/);
  });
});
