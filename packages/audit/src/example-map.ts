import { ShapeError } from '@salience/core';
import type { Region } from './regions.js';

/**
 * One attribution map as an audit keeps it: where its mass lies, measured at full resolution,
 * and a small copy for means and pictures. Absolute values are used throughout: a shortcut
 * shows as mass, whatever its sign.
 */
export interface ExampleMap {
  /** Size of the map the summary was made from (the method's own resolution). */
  readonly height: number;
  readonly width: number;
  /** Sum of the absolute values over all positions (and channels). */
  readonly mass: number;
  /** Share of the mass in each region, by region name (0..1; 0 for an all-zero map). */
  readonly shares: Readonly<Record<string, number>>;
  readonly thumbnailHeight: number;
  readonly thumbnailWidth: number;
  /** Area-averaged absolute map, scaled to sum 1 (all zeros for an all-zero map). */
  readonly thumbnail: Float32Array;
}

/** Side of the thumbnails kept per map by default: enough for pictures and means, small on disk. */
export const DEFAULT_THUMBNAIL_SIDE = 64;

/** The thumbnail size for a map: the map itself when it fits, else shrunk by a whole factor. */
export function thumbnailSize(height: number, width: number, maxSide = DEFAULT_THUMBNAIL_SIDE): { height: number; width: number; factor: number } {
  const factor = Math.max(1, Math.ceil(Math.max(height, width) / maxSide));
  return { height: Math.ceil(height / factor), width: Math.ceil(width / factor), factor };
}

/**
 * Summarises one absolute map (height x width, row-major). Block averaging with a whole factor
 * keeps every thumbnail position an exact sum of the positions it covers, so means over maps
 * stay means of distributions.
 */
export function summariseMap(absolute: ArrayLike<number>, height: number, width: number, regions: readonly Region[], maxSide = DEFAULT_THUMBNAIL_SIDE): ExampleMap {
  if (absolute.length !== height * width) throw new ShapeError(`A ${height} x ${width} map has ${height * width} values; got ${absolute.length}.`);
  let mass = 0;
  for (let i = 0; i < absolute.length; i++) mass += Math.abs(absolute[i]!);
  const shares: Record<string, number> = {};
  for (const region of regions) {
    if (region.height !== height || region.width !== width) {
      throw new ShapeError(`The region ${region.name} is ${region.height} x ${region.width}; the maps are ${height} x ${width}.`);
    }
    let inside = 0;
    for (let i = 0; i < absolute.length; i++) if (region.mask[i]) inside += Math.abs(absolute[i]!);
    shares[region.name] = mass > 0 ? inside / mass : 0;
  }
  const size = thumbnailSize(height, width, maxSide);
  const thumbnail = new Float32Array(size.height * size.width);
  if (mass > 0) {
    for (let y = 0; y < height; y++) {
      const row = Math.floor(y / size.factor) * size.width;
      for (let x = 0; x < width; x++) thumbnail[row + Math.floor(x / size.factor)]! += Math.abs(absolute[y * width + x]!) / mass;
    }
  }
  return { height, width, mass, shares, thumbnailHeight: size.height, thumbnailWidth: size.width, thumbnail };
}
