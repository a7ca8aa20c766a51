import type { TensorData } from '@salience/core';
import { OptionError, ShapeError } from '@salience/core';
import type { Maps2d } from './maps.js';

export interface LocalizationOptions {
  /** A maximum within this many pixels (Euclidean) of the mask still hits; default 0 (Zhang et al. use 15 at 224 pixels). */
  readonly tolerance?: number;
}

export interface LocalizationResult {
  /** Share of maps whose maximum falls in the mask (Zhang et al. 2016's pointing game). */
  readonly hitRate: number;
  readonly hits: Uint8Array;
  /** Mean share of the positive relevance that lies inside the mask (Arras et al. 2022's relevance mass accuracy). */
  readonly relevanceMass: number;
  readonly relevanceMassPerExample: Float32Array;
  /** Mean share of the positions that the masks cover: the hit rate of a map that points at random. */
  readonly chance: number;
  readonly tolerance: number;
}

/**
 * Pointing game and relevance mass of signed maps against ground-truth masks ([examples, H, W],
 * nonzero inside the evidence). A map hits when every position of its maximum lies in the mask
 * (or within `tolerance` pixels of it); a constant map points nowhere and misses. Relevance mass
 * is the positive relevance inside the mask over all positive relevance (0 for a map without any).
 */
export function localization(maps: Maps2d, masks: TensorData, options: LocalizationOptions = {}): LocalizationResult {
  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0)) throw new OptionError(`tolerance must be a number of pixels, 0 or more; got ${tolerance}.`);
  const { count, height, width } = maps;
  if (masks.shape.length !== 3 || masks.shape[0] !== count || masks.shape[1] !== height || masks.shape[2] !== width) {
    throw new ShapeError(`Masks have shape [${masks.shape.join(', ')}]; expected [${count}, ${height}, ${width}], one per example at the maps' size.`);
  }
  const positions = height * width;
  const reach = Math.floor(tolerance);
  const hits = new Uint8Array(count);
  const mass = new Float32Array(count);
  let covered = 0;
  for (let m = 0; m < count; m++) {
    const map = maps.signed.subarray(m * positions, (m + 1) * positions);
    const mask = masks.data.subarray(m * positions, (m + 1) * positions);
    const near = (p: number): boolean => {
      if (mask[p] !== 0) return true;
      const y = Math.floor(p / width);
      const x = p % width;
      for (let dy = -reach; dy <= reach; dy++) {
        for (let dx = -reach; dx <= reach; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < height && xx >= 0 && xx < width && dy * dy + dx * dx <= tolerance * tolerance && mask[yy * width + xx] !== 0) return true;
        }
      }
      return false;
    };
    let max = -Infinity;
    let min = Infinity;
    let inside = 0;
    let positive = 0;
    let maskArea = 0;
    for (let p = 0; p < positions; p++) {
      const v = map[p]!;
      if (v > max) max = v;
      if (v < min) min = v;
      if (v > 0) {
        positive += v;
        if (mask[p] !== 0) inside += v;
      }
      if (mask[p] !== 0) maskArea++;
    }
    let hit = max > min;
    for (let p = 0; hit && p < positions; p++) if (map[p] === max && !near(p)) hit = false;
    hits[m] = hit ? 1 : 0;
    mass[m] = positive > 0 ? inside / positive : 0;
    covered += maskArea / positions;
  }
  const sum = (x: Uint8Array | Float32Array) => {
    let s = 0;
    for (const v of x) s += v;
    return s;
  };
  return {
    hitRate: sum(hits) / count,
    hits,
    relevanceMass: sum(mass) / count,
    relevanceMassPerExample: mass,
    chance: covered / count,
    tolerance,
  };
}
