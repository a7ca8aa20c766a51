import { readFileSync } from 'node:fs';
import { decodePng } from '@salience/render';
import { describe, expect, it } from 'vitest';
import { applyOrientation, jpegOrientation } from './exif-orientation.js';
import { decodeImage } from './image-decoding.js';
import { centerCropOrigin, type Planes, resizeAndCrop, shorterSideSize } from './transforms.js';

// Parity with torchvision's Resize (shorter side, antialiased bilinear) and CenterCrop, and with
// PIL's EXIF transpose; the fixture is made by tools/make-preprocessing-fixture.py.
const at = (file: string) => new URL(`../../test/fixtures/preprocessing/${file}`, import.meta.url);
const meta = JSON.parse(readFileSync(at('expected.json'), 'utf8')) as { mean: number[]; std: number[]; arrays: Record<string, { offset: number; shape: number[] }> };
const blob = readFileSync(at('expected.bin'));
function expected(name: string): { data: Float32Array; shape: number[] } {
  const { offset, shape } = meta.arrays[name]!;
  const size = shape.reduce((a, b) => a * b, 1);
  return { data: new Float32Array(blob.buffer.slice(blob.byteOffset + offset, blob.byteOffset + offset + 4 * size)), shape };
}
const photo = decodePng(readFileSync(at('photo.png')));

/** Largest |ours - torchvision's| with ours in [0, 1] (`scale` 1/255), normalised when mean/std are given. */
function largestError(planes: Planes, want: { data: Float32Array; shape: number[] }, normalise?: { mean: number[]; std: number[] }): number {
  expect([planes.channels, planes.height, planes.width]).toEqual(want.shape);
  const plane = planes.height * planes.width;
  let worst = 0;
  planes.data.forEach((v, i) => {
    const c = Math.floor(i / plane);
    const value = normalise ? (v / 255 - normalise.mean[c]!) / normalise.std[c]! : v / 255;
    worst = Math.max(worst, Math.abs(value - want.data[i]!));
  });
  return worst;
}

describe('torchvision-style preprocessing', () => {
  it('sizes as torchvision: the shorter side, the longer truncated; the crop origin rounded half to even', () => {
    expect(shorterSideSize(90, 60, 48)).toEqual([72, 48]);
    expect(shorterSideSize(640, 427, 256)).toEqual([383, 256]);
    expect(shorterSideSize(60, 90, 48)).toEqual([48, 72]);
    expect(centerCropOrigin(72, 48, 40, 40)).toEqual([4, 16]);
    // (5 - 2) / 2 = 1.5 rounds to 2, (3 - 2) / 2 = 0.5 to 0 (Python's round).
    expect(centerCropOrigin(3, 5, 2, 2)).toEqual([2, 0]);
  });

  it("matches torch's antialiased bilinear resize and the centre crop on float input within 1e-6", () => {
    const down = largestError(resizeAndCrop(photo, { resize: 48, crop: [40, 40] }), expected('float_resize_crop'));
    const up = largestError(resizeAndCrop(photo, { resize: 120 }), expected('float_resize_up'));
    expect(down).toBeLessThan(1e-6);
    expect(up).toBeLessThan(1e-6);
  });

  it("matches torchvision's PIL pipeline (uint8 between steps) with ImageNet mean/std within 1/255 of a pixel", () => {
    const error = largestError(resizeAndCrop(photo, { resize: 48, crop: [40, 40] }), expected('pil_imagenet_style'), meta);
    // PIL rounds to uint8 after each pass: at most one level, i.e. 1/255 / std in normalised units.
    expect(error).toBeLessThanOrEqual(1 / 255 / Math.min(...meta.std) + 1e-6);
  });

  it('turns a JPEG upright by its EXIF orientation as PIL does', () => {
    const bytes = new Uint8Array(readFileSync(at('rotated.jpg')));
    expect(jpegOrientation(bytes)).toBe(6);
    expect(jpegOrientation(new Uint8Array(readFileSync(at('photo.png'))))).toBe(1);
    // decodeImage turns it upright; the stored picture is 64 wide, 48 high.
    const upright = decodeImage(bytes, 'rotated.jpg');
    expect([upright.width, upright.height]).toEqual([48, 64]);
    expect([applyOrientation(upright, 1).width, applyOrientation(upright, 8).width]).toEqual([48, 64]);
    const pil = decodePng(readFileSync(at('rotated-upright.png')));
    expect([upright.width, upright.height]).toEqual([pil.width, pil.height]);
    // jpeg-js and libjpeg decode slightly differently; orientation errors would be off by 100s.
    let sum = 0;
    for (let i = 0; i < pil.data.length; i++) if (i % 4 !== 3) sum += Math.abs(upright.data[i]! - pil.data[i]!);
    expect(sum / ((pil.data.length * 3) / 4)).toBeLessThan(3);
    const small = largestError(resizeAndCrop(upright, { resize: 32, crop: [24, 24] }), expected('pil_upright_resize_crop'));
    expect(small).toBeLessThan(12 / 255);
  });

  it('refuses a crop larger than the resized image', () => {
    expect(() => resizeAndCrop(photo, { resize: 30, crop: [40, 40] })).toThrow(/larger than the resized image/);
  });
});
