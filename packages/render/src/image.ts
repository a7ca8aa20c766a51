import { ShapeError } from '@salience/core';

/**
 * An 8-bit RGBA image, row-major, 4 bytes a pixel, not premultiplied: the same shape as the DOM's
 * `ImageData`, so either can be passed where the other is expected.
 */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/** RGBA with channels 0..255. */
export type Rgba = readonly [red: number, green: number, blue: number, alpha: number];

/** A new image filled with one colour (transparent black by default). */
export function createImage(width: number, height: number, fill?: Rgba): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new ShapeError(`Image size must be non-negative integers; got ${width} x ${height}.`);
  }
  const data = new Uint8ClampedArray(width * height * 4);
  if (fill?.some((c) => c !== 0)) {
    for (let i = 0; i < data.length; i += 4) {
      data[i] = fill[0];
      data[i + 1] = fill[1];
      data[i + 2] = fill[2];
      data[i + 3] = fill[3];
    }
  }
  return { width, height, data };
}

/** Throws a ShapeError unless `image` is a well-formed RGBA image; `what` names it in the message. */
export function assertImage(image: RgbaImage, what = 'Image'): void {
  if (image === null || typeof image !== 'object' || !Number.isInteger(image.width) || !Number.isInteger(image.height)) {
    throw new ShapeError(`${what} must be an RGBA image {width, height, data}.`);
  }
  if (image.width < 0 || image.height < 0 || image.data?.length !== image.width * image.height * 4) {
    throw new ShapeError(`${what} is ${image.width} x ${image.height} and needs ${image.width * image.height * 4} bytes of RGBA data; got ${image.data?.length}.`);
  }
}

/** The RGBA values of pixel (x, y). */
export function pixelAt(image: RgbaImage, x: number, y: number): Rgba {
  const i = (y * image.width + x) * 4;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!, image.data[i + 3]!];
}
