import { createImage, type RgbaImage } from '@salience/render';
import { describe, expect, it } from 'vitest';
import { fitImage, NORMALIZATION_PRESETS, parseChannelValues, prepareInput, resizeAntialiased } from './preprocess.js';

/** A w x h picture whose red channel is the column and green the row. */
function ramp(width: number, height: number): RgbaImage {
  const image = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) image.data.set([x, y, 0, 255], (y * width + x) * 4);
  }
  return image;
}

const red = (image: RgbaImage, x: number, y: number) => image.data[(y * image.width + x) * 4];
const green = (image: RgbaImage, x: number, y: number) => image.data[(y * image.width + x) * 4 + 1];

describe('fitImage', () => {
  it('uses a picture of the input size as is', () => {
    const image = ramp(4, 4);
    const fitted = fitImage(image, 4, 4, 'crop');
    expect(fitted.image).toBe(image);
    expect(fitted.note).toMatch(/used as is/);
  });

  it('centre-crops a wide picture to the square it keeps, then resizes', () => {
    // 12 x 4 to 2 x 2: the centre 4 x 4 (columns 4..7) is cut out and halved.
    const fitted = fitImage(ramp(12, 4), 2, 2, 'crop');
    expect([fitted.image.width, fitted.image.height]).toEqual([2, 2]);
    expect(fitted.note).toBe('4×12 (h×w): centre 4×4 cut out, resized to 2×2');
    // Columns 4,5 average to 4.5 and 6,7 to 6.5: the left and right ends of the picture are gone.
    expect([red(fitted.image, 0, 0), red(fitted.image, 1, 0)]).toEqual([5, 7]);
    expect([green(fitted.image, 0, 0), green(fitted.image, 0, 1)]).toEqual([1, 3]);
  });

  it('letterboxes a tall picture: scaled to fit, padded with black, centred', () => {
    const fitted = fitImage(createImage(2, 4, [200, 200, 200, 255]), 4, 4, 'letterbox');
    expect(fitted.note).toBe('4×2 (h×w) resized to 4×2 and padded with black to 4×4 (letterbox)');
    const rows = Array.from({ length: 4 }, (_, x) => red(fitted.image, x, 1));
    expect(rows).toEqual([0, 200, 200, 0]);
  });

  it('stretches when asked, and says the aspect ratio changed', () => {
    const fitted = fitImage(ramp(8, 2), 2, 2, 'stretch');
    expect([fitted.image.width, fitted.image.height]).toEqual([2, 2]);
    expect(fitted.note).toMatch(/stretched \(aspect ratio changed\)/);
  });
});

describe('resizeAntialiased', () => {
  it('averages a fine checkerboard to gray instead of aliasing it', () => {
    const board = createImage(16, 16);
    for (let i = 0; i < 256; i++) {
      const v = ((i % 16) + Math.floor(i / 16)) % 2 ? 255 : 0;
      board.data.set([v, v, v, 255], i * 4);
    }
    const small = resizeAntialiased(board, 4, 4);
    for (let i = 0; i < 16; i++) expect(Math.abs(small.data[i * 4]! - 128)).toBeLessThanOrEqual(1);
  });
});

describe('normalisation', () => {
  it('reads one value per channel, or one for all, and refuses other counts', () => {
    expect(parseChannelValues('0.485, 0.456, 0.406', 3, 'mean')).toEqual([0.485, 0.456, 0.406]);
    expect(parseChannelValues('0.5', 3, 'mean')).toEqual([0.5, 0.5, 0.5]);
    expect(() => parseChannelValues('0.1 0.2', 3, 'mean')).toThrow(/has 2 values but the model takes 3 channels/);
    expect(() => parseChannelValues('0', 1, 'std')).toThrow(/above 0/);
    expect(() => parseChannelValues('abc', 1, 'mean')).toThrow(/not a list of numbers/);
  });

  it('gives (pixel / 255 - mean) / std per channel, and shows the picture the model saw', () => {
    const image = createImage(1, 1, [255, 0, 128, 255]);
    const { mean, std } = NORMALIZATION_PRESETS.imagenet;
    const prepared = prepareInput(image, { height: 1, width: 1, channels: 3 }, 'crop', NORMALIZATION_PRESETS.imagenet);
    const expected = [255, 0, 128].map((v, c) => Math.fround((v / 255 - mean[c]!) / std[c]!));
    expect(Array.from(prepared.input.data).map((v, c) => Math.abs(v - expected[c]!) < 1e-6)).toEqual([true, true, true]);
    expect(Array.from(prepared.seen.data)).toEqual([255, 0, 128, 255]);
    expect(prepared.note).toMatch(/normalised with mean \[0.485, 0.456, 0.406\]/);
  });
});
