/** Added to the range so that a constant map becomes 0 instead of NaN (pytorch-grad-cam and the Captum fixtures use it). */
export const MIN_MAX_EPSILON = 1e-8;

/** Scales one map in place to (v - min) / (max - min + 1e-8), i.e. into [0, 1). */
export function minMaxInPlace(map: Float32Array): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo + MIN_MAX_EPSILON;
  for (let i = 0; i < map.length; i++) map[i] = (map[i]! - lo) / range;
}
