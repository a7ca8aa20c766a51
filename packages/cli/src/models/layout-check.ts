import type { Layout } from '@salience/core';
import { CliError } from '../cli-error.js';

/** Channel counts of images and image-like inputs (gray, gray+alpha, RGB, RGBA). */
const CHANNEL_COUNTS = new Set([1, 2, 3, 4]);

/**
 * Refuses a --layout that contradicts the model's input shape: one that puts a spatial-sized
 * axis where the channels go while the other layout finds 1 to 4 channels where it expects them
 * (NCHW on [?, 28, 28, 1] reads 28 channels of 28x1 pixels, and every map comes out wrong).
 */
export function checkDeclaredLayout(declared: Layout | undefined, inputShape: readonly (number | null)[]): void {
  if ((declared !== 'NCHW' && declared !== 'NHWC') || inputShape.length !== 4) return;
  const first = inputShape[1];
  const last = inputShape[3];
  const [channels, other, otherLayout] = declared === 'NCHW' ? [first, last, 'NHWC'] : [last, first, 'NCHW'];
  if (channels === null || other === null) return;
  if (!CHANNEL_COUNTS.has(channels!) && CHANNEL_COUNTS.has(other!)) {
    const shape = `[${inputShape.map((d) => d ?? '?').join(', ')}]`;
    throw new CliError(
      'usage',
      `--layout ${declared} contradicts the model's input ${shape}: it would read ${channels} channels, while ${otherLayout} reads ${other}. Drop --layout (or give --layout ${otherLayout}).`,
    );
  }
}
