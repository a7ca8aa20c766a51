import type { Rgb } from './colormap.js';

const CUBE_LEVELS = [0, 95, 135, 175, 215, 255];

/** The xterm 256-colour index (16..255: the 6x6x6 cube or the 24 grays) closest to `rgb`. */
export function rgbToAnsi256(rgb: Rgb): number {
  const nearestLevel = (c: number) => {
    let best = 0;
    for (let k = 1; k < CUBE_LEVELS.length; k++) {
      if (Math.abs(CUBE_LEVELS[k]! - c) < Math.abs(CUBE_LEVELS[best]! - c)) best = k;
    }
    return best;
  };
  const [r, g, b] = rgb.map(nearestLevel) as [number, number, number];
  const cube: Rgb = [CUBE_LEVELS[r]!, CUBE_LEVELS[g]!, CUBE_LEVELS[b]!];
  const grayStep = Math.max(0, Math.min(23, Math.round(((rgb[0] + rgb[1] + rgb[2]) / 3 - 8) / 10)));
  const grayLevel = 8 + grayStep * 10;
  const gray: Rgb = [grayLevel, grayLevel, grayLevel];
  return distance(rgb, gray) < distance(rgb, cube) ? 232 + grayStep : 16 + 36 * r + 6 * g + b;
}

function distance(a: Rgb, b: Rgb): number {
  return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2;
}
