import type { Rng } from '@salience/core';

/** Where the random grid sits over an image of `height` x `width` pixels. */
export interface MaskGeometry {
  readonly height: number;
  readonly width: number;
  /** Cells of the random binary grid along each axis (1 along an axis of size 1). */
  readonly gridH: number;
  readonly gridW: number;
  /** Pixels per cell before the shift: ceil(size / grid). */
  readonly cellH: number;
  readonly cellW: number;
}

export function maskGeometry(height: number, width: number, gridSize: number): MaskGeometry {
  const gridH = height === 1 ? 1 : gridSize;
  const gridW = width === 1 ? 1 : gridSize;
  return { height, width, gridH, gridW, cellH: Math.ceil(height / gridH), cellW: Math.ceil(width / gridW) };
}

/** Source coordinate and weight of bilinear upsampling with half-pixel centres, clamped at the borders. */
function sourceOf(pixel: number, grid: number, upsampled: number): [number, number, number] {
  const s = Math.min(Math.max(((pixel + 0.5) * grid) / upsampled - 0.5, 0), grid - 1);
  const low = Math.floor(s);
  return [low, Math.min(low + 1, grid - 1), s - low];
}

/**
 * Draws the next RISE mask (Petsiuk et al. 2018) into `out` ([height * width], values in [0, 1]):
 * a gridH x gridW grid of cells kept with probability `keep`, upsampled bilinearly to
 * (grid + 1) x cell pixels, and cropped to the image at a random shift of less than one cell.
 * The draws are, in order: the grid row by row, then the vertical and horizontal shifts.
 */
export function drawMask(rng: Rng, g: MaskGeometry, keep: number, grid: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < g.gridH * g.gridW; i++) grid[i] = rng.uniform() < keep ? 1 : 0;
  const dy = rng.int(g.cellH);
  const dx = rng.int(g.cellW);
  const upH = (g.gridH + 1) * g.cellH;
  const upW = (g.gridW + 1) * g.cellW;
  for (let y = 0; y < g.height; y++) {
    const [y0, y1, wy] = sourceOf(y + dy, g.gridH, upH);
    for (let x = 0; x < g.width; x++) {
      const [x0, x1, wx] = sourceOf(x + dx, g.gridW, upW);
      const top = (1 - wx) * grid[y0 * g.gridW + x0] + wx * grid[y0 * g.gridW + x1];
      const bottom = (1 - wx) * grid[y1 * g.gridW + x0] + wx * grid[y1 * g.gridW + x1];
      out[y * g.width + x] = (1 - wy) * top + wy * bottom;
    }
  }
  return out;
}
