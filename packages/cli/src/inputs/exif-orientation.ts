import type { RgbaImage } from '@salience/render';

/**
 * The EXIF orientation tag (1 to 8) of a JPEG, or 1 when it has none. Cameras store photos as
 * shot and say in this tag how to turn them; PIL's `ImageOps.exif_transpose` applies it.
 */
export function jpegOrientation(bytes: Uint8Array): number {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return 1;
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xda || marker === 0xd9) break; // image data: no more headers
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    const body = at + 4;
    // APP1 "Exif\0\0" then a TIFF header.
    if (marker === 0xe1 && length >= 16 && String.fromCharCode(...bytes.subarray(body, body + 4)) === 'Exif') {
      const tiff = body + 6;
      const little = bytes[tiff] === 0x49;
      const u16 = (o: number) => (little ? bytes[o]! | (bytes[o + 1]! << 8) : (bytes[o]! << 8) | bytes[o + 1]!);
      const u32 = (o: number) =>
        little
          ? (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16)) + bytes[o + 3]! * 2 ** 24
          : bytes[o]! * 2 ** 24 + ((bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!);
      const ifd = tiff + u32(tiff + 4);
      const end = Math.min(bytes.length, body + length - 2);
      if (ifd + 2 > end) return 1;
      const entries = u16(ifd);
      for (let e = 0; e < entries; e++) {
        const entry = ifd + 2 + e * 12;
        if (entry + 12 > end) break;
        if (u16(entry) === 0x0112) {
          const value = u16(entry + 8);
          return value >= 1 && value <= 8 ? value : 1;
        }
      }
      return 1;
    }
    at = body + length - 2;
  }
  return 1;
}

/** The image turned upright as its EXIF orientation says (the eight cases of the TIFF spec). */
export function applyOrientation(image: RgbaImage, orientation: number): RgbaImage {
  if (orientation <= 1 || orientation > 8) return image;
  const { width: w, height: h, data } = image;
  const swap = orientation >= 5;
  const width = swap ? h : w;
  const height = swap ? w : h;
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // The source pixel of output (x, y).
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          [sx, sy] = [w - 1 - x, y];
          break; // mirrored
        case 3:
          [sx, sy] = [w - 1 - x, h - 1 - y];
          break; // turned 180°
        case 4:
          [sx, sy] = [x, h - 1 - y];
          break; // flipped
        case 5:
          [sx, sy] = [y, x];
          break; // transposed
        case 6:
          [sx, sy] = [y, h - 1 - x];
          break; // turned 90° clockwise to view
        case 7:
          [sx, sy] = [w - 1 - y, h - 1 - x];
          break; // transversed
        default:
          [sx, sy] = [w - 1 - y, x];
          break; // 8: turned 90° counter-clockwise to view
      }
      const from = (sy * w + sx) * 4;
      out.set(data.subarray(from, from + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data: out };
}
