import type { Layout } from '@salience/core';
import type { MethodFlags } from './methods.js';

/**
 * Occlusion's --window and --stride, clamped to the example's size (a window larger than the
 * image occludes all of it): the flags as they will run, and a note for each clamp.
 */
export function clampWindow(flags: MethodFlags, exampleShape: readonly number[], layout: Layout): { flags: MethodFlags; notes: string[] } {
  const notes: string[] = [];
  const spatial =
    layout === 'NCHW' && exampleShape.length === 3
      ? [exampleShape[1], exampleShape[2]]
      : layout === 'NHWC' && exampleShape.length === 3
        ? [exampleShape[0], exampleShape[1]]
        : undefined;
  const clamp = (value: number | readonly number[] | undefined, flag: string): number | readonly number[] | undefined => {
    if (value === undefined) return undefined;
    // A number or HxW applies to the image's height and width; a full list to each dimension of an example.
    const limits = typeof value === 'number' || value.length === 2 ? spatial : exampleShape.length === value.length ? exampleShape : undefined;
    if (!limits) return value;
    const sizes = typeof value === 'number' ? [value, value] : value;
    const clamped = sizes.map((s, i) => Math.min(s, limits[i]!));
    if (clamped.every((s, i) => s === sizes[i])) return value;
    const given = typeof value === 'number' ? String(value) : value.join(value.length === 2 ? 'x' : ',');
    const used = clamped.join(sizes.length === 2 ? 'x' : ',');
    notes.push(`${flag} ${given} is larger than the example (${limits.join('x')}); using ${used}.`);
    return clamped;
  };
  return { flags: { ...flags, window: clamp(flags.window, '--window'), stride: clamp(flags.stride, '--stride') }, notes };
}
