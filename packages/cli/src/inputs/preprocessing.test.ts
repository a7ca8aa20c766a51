import { encodePng, type RgbaImage } from '@salience/render';
import { createImageModel } from '@salience/testing';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { decodeImage, sniffImageFormat } from './image-decoding.js';
import { resolvePreprocessing } from './image-input.js';
import { imagesToTensor, type Preprocessing } from './preprocessing.js';

/** A w x h image whose pixel (x, y) is (10x + y, 100 + y, 200 - x). */
function gradientImage(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([10 * x + y, 100 + y, 200 - x, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

const base: Preprocessing = { width: 3, height: 2, channels: 'rgb', layout: 'NHWC', range: [0, 1], mean: [0], std: [1] };

describe('imagesToTensor', () => {
  const image = gradientImage(3, 2);

  it('lays RGB out as NHWC or NCHW, scaled to [0, 1]', () => {
    const nhwc = imagesToTensor([image], base);
    expect(nhwc.shape).toEqual([1, 2, 3, 3]);
    // Pixel (x=2, y=1): (21, 101, 198) / 255.
    expect(Array.from(nhwc.data.subarray((1 * 3 + 2) * 3, (1 * 3 + 2) * 3 + 3))).toEqual([21 / 255, 101 / 255, 198 / 255].map(Math.fround));
    const nchw = imagesToTensor([image, image], { ...base, layout: 'NCHW' });
    expect(nchw.shape).toEqual([2, 3, 2, 3]);
    const plane = 6;
    expect([nchw.data[5], nchw.data[plane + 5], nchw.data[2 * plane + 5]]).toEqual([21 / 255, 101 / 255, 198 / 255].map(Math.fround));
    expect(nchw.data.subarray(18)).toEqual(nchw.data.subarray(0, 18));
  });

  it('orders channels BGR, mixes gray with ITU-R 601 weights, and applies range, mean and std per channel', () => {
    const bgr = imagesToTensor([image], { ...base, channels: 'bgr', range: [0, 255] });
    expect(Array.from(bgr.data.subarray(0, 3))).toEqual([200, 100, 0]);
    const gray = imagesToTensor([image], { ...base, channels: 'gray', range: [0, 255] });
    expect(gray.shape).toEqual([1, 2, 3, 1]);
    expect(gray.data[0]).toBeCloseTo(0.299 * 0 + 0.587 * 100 + 0.114 * 200, 4);
    const normalised = imagesToTensor([image], { ...base, range: [-1, 1], mean: [0.5, 0, -0.5], std: [2, 1, 0.5] });
    const [r, g, b] = [0, 100, 200].map((v) => -1 + (2 * v) / 255) as [number, number, number];
    expect(normalised.data[0]).toBeCloseTo((r - 0.5) / 2, 6);
    expect(normalised.data[1]).toBeCloseTo(g, 6);
    expect(normalised.data[2]).toBeCloseTo((b + 0.5) / 0.5, 6);
  });

  it('resizes bilinearly to the model size', () => {
    const flat: RgbaImage = { width: 4, height: 4, data: new Uint8ClampedArray(64).fill(255) };
    const t = imagesToTensor([flat], { ...base, width: 2, height: 2, channels: 'gray' });
    expect(t.shape).toEqual([1, 2, 2, 1]);
    for (const v of t.data) expect(v).toBeCloseTo(1, 6);
  });

  it('rejects a mean or std with the wrong number of channels, and a zero std', () => {
    expect(() => imagesToTensor([image], { ...base, mean: [0.1, 0.2] })).toThrow(/--mean has 2 values but the model takes 3 channel/);
    expect(() => imagesToTensor([image], { ...base, std: [0] })).toThrow(/--std values must be finite and non-zero/);
  });
});

describe('decodeImage', () => {
  it('decodes PNG and JPEG by content, whatever the name', () => {
    const image = gradientImage(8, 6);
    const png = encodePng(image);
    expect(sniffImageFormat(png)).toBe('png');
    expect(decodeImage(png, 'a.jpg').data).toEqual(image.data);
    const jpg = new Uint8Array(jpeg.encode({ width: 8, height: 6, data: Buffer.from(image.data) }, 100).data);
    expect(sniffImageFormat(jpg)).toBe('jpeg');
    const decoded = decodeImage(jpg, 'b.png');
    expect([decoded.width, decoded.height]).toEqual([8, 6]);
    let worst = 0;
    for (let i = 0; i < image.data.length; i++) worst = Math.max(worst, Math.abs(decoded.data[i]! - image.data[i]!));
    expect(worst).toBeLessThan(12);
  });

  it('says which file is neither PNG nor JPEG, or is corrupt', () => {
    const fail = (bytes: Uint8Array) => {
      try {
        decodeImage(bytes, 'photo.png');
      } catch (error) {
        expect(error).toBeInstanceOf(CliError);
        expect((error as CliError).exitCode).toBe(3);
        return (error as Error).message;
      }
      throw new Error('expected a failure');
    };
    expect(fail(new TextEncoder().encode('GIF89a...'))).toMatch(/photo\.png is neither a PNG nor a JPEG/);
    const png = encodePng(gradientImage(8, 6));
    expect(fail(png.subarray(0, 40))).toMatch(/photo\.png could not be decoded as PNG/);
  });
});

describe('resolvePreprocessing', () => {
  it('takes size, layout and channels from the model', () => {
    const nchw = createImageModel({ layout: 'NCHW', channels: 3, height: 6, width: 5 });
    const p = resolvePreprocessing(nchw, [gradientImage(10, 10)], {});
    expect(p).toMatchObject({ width: 5, height: 6, channels: 'rgb', layout: 'NCHW', range: [0, 1], mean: [0], std: [1] });
    const gray = createImageModel({ layout: 'NHWC', channels: 1, height: 4, width: 4 });
    expect(resolvePreprocessing(gray, [gradientImage(4, 4)], {}).channels).toBe('gray');
  });

  it('rejects channel orders and sizes that do not fit the model', () => {
    const model = createImageModel({ layout: 'NHWC', channels: 1, height: 4, width: 4 });
    expect(() => resolvePreprocessing(model, [gradientImage(4, 4)], { channels: 'rgb' })).toThrow(/--channels rgb gives 3 channel\(s\) but the model takes 1/);
    expect(() => resolvePreprocessing(model, [gradientImage(4, 4)], { resize: [8, 8] })).toThrow(/--resize 8x8 does not fit the model's input size 4x4/);
    const twoChannels = createImageModel({ layout: 'NHWC', channels: 2, height: 4, width: 4 });
    expect(() => resolvePreprocessing(twoChannels, [gradientImage(4, 4)], {})).toThrow(/takes 2 channels; images give 1 \(gray\) or 3/);
  });
});
