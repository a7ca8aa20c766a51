import { decodePng, type RgbaImage } from '@salience/render';
import jpeg from 'jpeg-js';
import { CliError } from '../cli-error.js';

export type ImageFormat = 'png' | 'jpeg';

/** The format from the first bytes, whatever the file is called. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Largest image accepted, in megapixels: a guard against decompression bombs. */
const MAX_MEGAPIXELS = 100;

/** Decodes a PNG or JPEG into 8-bit RGBA; `what` names the file in messages. */
export function decodeImage(bytes: Uint8Array, what: string): RgbaImage {
  const format = sniffImageFormat(bytes);
  if (!format) throw new CliError('inputFile', `${what} is neither a PNG nor a JPEG image (its first bytes say otherwise).`);
  try {
    if (format === 'png') return decodePng(bytes);
    const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
    return { width: decoded.width, height: decoded.height, data: new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError('inputFile', `${what} could not be decoded as ${format.toUpperCase()}: ${reason}`, { cause: error });
  }
}
