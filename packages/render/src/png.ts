import { OptionError, ShapeError } from '@salience/core';
import { decode, encode } from 'fast-png';
import { toBase64 } from './base64.js';
import { assertImage, type RgbaImage } from './image.js';

/** An 8-bit RGBA PNG of the image. */
export function encodePng(image: RgbaImage): Uint8Array {
  assertImage(image);
  if (image.width === 0 || image.height === 0) throw new ShapeError('Cannot encode an empty image as PNG.');
  return encode({ width: image.width, height: image.height, data: image.data, depth: 8, channels: 4 });
}

/** Decodes any PNG (gray, gray + alpha, RGB, RGBA, palette; 1 to 16 bits) into an 8-bit RGBA image. */
export function decodePng(bytes: Uint8Array | ArrayBuffer): RgbaImage {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (error) {
    throw new OptionError(`Not a readable PNG: ${error instanceof Error ? error.message : String(error)}.`);
  }
  const { width, height, depth, channels } = png;
  const out = new Uint8ClampedArray(width * height * 4);
  if (png.palette) {
    const palette = png.palette;
    const indices = unpackSamples(png.data, width, height, 1, depth);
    for (let p = 0; p < width * height; p++) {
      const entry = palette[indices[p]!] ?? [0, 0, 0];
      out[p * 4] = entry[0]!;
      out[p * 4 + 1] = entry[1]!;
      out[p * 4 + 2] = entry[2]!;
      out[p * 4 + 3] = (entry.length > 3 ? entry[3] : 255)!;
    }
    return { width, height, data: out };
  }
  const samples = unpackSamples(png.data, width, height, channels, depth);
  const max = 2 ** depth - 1;
  const to8 = (v: number) => Math.round((v * 255) / max);
  // tRNS for gray or RGB names one colour that is fully transparent.
  const key = png.transparency && png.transparency.length === (channels <= 2 ? 1 : 3) ? png.transparency : undefined;
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    const o = p * 4;
    if (channels <= 2) {
      out[o] = out[o + 1] = out[o + 2] = to8(samples[s]!);
      out[o + 3] = channels === 2 ? to8(samples[s + 1]!) : key && samples[s] === key[0] ? 0 : 255;
    } else {
      out[o] = to8(samples[s]!);
      out[o + 1] = to8(samples[s + 1]!);
      out[o + 2] = to8(samples[s + 2]!);
      const keyed = key && samples[s] === key[0] && samples[s + 1] === key[1] && samples[s + 2] === key[2];
      out[o + 3] = channels === 4 ? to8(samples[s + 3]!) : keyed ? 0 : 255;
    }
  }
  return { width, height, data: out };
}

/** One sample per array entry; bit depths below 8 are packed by row in the PNG data. */
function unpackSamples(data: ArrayLike<number>, width: number, height: number, channels: number, depth: number): ArrayLike<number> {
  if (depth >= 8) return data;
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const out = new Uint8Array(perRow * height);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      const byte = data[y * rowBytes + (bit >> 3)]!;
      out[y * perRow + i] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** The image as a `data:image/png;base64,...` URI, for self-contained HTML. */
export function pngDataUri(image: RgbaImage): string {
  return `data:image/png;base64,${toBase64(encodePng(image))}`;
}
