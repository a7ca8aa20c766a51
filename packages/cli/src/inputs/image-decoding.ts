import { decodePng, type RgbaImage } from '@salience/render';
import jpeg from 'jpeg-js';
import { CliError } from '../cli-error.js';
import { applyOrientation, jpegOrientation } from './exif-orientation.js';

export type ImageFormat = 'png' | 'jpeg';

/** The format from the first bytes, whatever the file is called. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * Largest image decoded by default, in pixels (width x height): a guard against decompression
 * bombs (a 1 MB PNG can claim 30000x30000 pixels, 3.6 GB decoded). `--max-pixels` overrides it.
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** A JPEG's start-of-frame markers (baseline, progressive, lossless...): not DHT (C4), JPG (C8) or DAC (CC). */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** Width and height from the header alone (PNG's IHDR, a JPEG's start-of-frame); undefined when not found. */
export function imageDimensions(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = sniffImageFormat(bytes);
  if (format === 'png') {
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (format === 'jpeg') {
    let offset = 2;
    while (offset + 4 <= bytes.length) {
      if (bytes[offset] !== 0xff) return undefined;
      const marker = bytes[offset + 1]!;
      if (marker === 0xff) {
        offset++;
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        offset += 2;
        continue;
      }
      if (marker === 0xd9 || marker === 0xda) return undefined;
      const length = view.getUint16(offset + 2);
      if (isStartOfFrame(marker)) {
        if (offset + 9 > bytes.length) return undefined;
        return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
      }
      offset += 2 + length;
    }
  }
  return undefined;
}

/**
 * Decodes a PNG or JPEG into 8-bit RGBA; `what` names the file in messages. The size in its
 * header is checked against `maxPixels` before anything is decoded.
 */
export function decodeImage(bytes: Uint8Array, what: string, maxPixels = DEFAULT_MAX_PIXELS): RgbaImage {
  const format = sniffImageFormat(bytes);
  if (!format) throw new CliError('inputFile', `${what} is neither a PNG nor a JPEG image (its first bytes say otherwise).`);
  const size = imageDimensions(bytes);
  if (!size) throw new CliError('inputFile', `${what} could not be decoded as ${format.toUpperCase()}: its header gives no image size.`);
  if (size.width * size.height > maxPixels) {
    throw new CliError(
      'inputFile',
      `${what} is ${size.height}x${size.width} pixels (height x width, ${((size.width * size.height) / 1e6).toFixed(1)} megapixels), more than the limit of ${maxPixels} pixels; resize it first, or raise the limit with --max-pixels ${size.width * size.height} if it is meant to be this large.`,
    );
  }
  try {
    if (format === 'png') return decodePng(bytes);
    const decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: Math.ceil(maxPixels / 1e6),
      maxMemoryUsageInMB: Math.max(1024, Math.ceil((maxPixels * 8) / 2 ** 20)),
    });
    const stored = { width: decoded.width, height: decoded.height, data: new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length) };
    // Photos are stored as shot; EXIF says how to turn them upright (PIL's exif_transpose).
    return applyOrientation(stored, jpegOrientation(bytes));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError('inputFile', `${what} could not be decoded as ${format.toUpperCase()}: ${reason}`, { cause: error });
  }
}
