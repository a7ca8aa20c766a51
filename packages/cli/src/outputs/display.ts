import { relative } from 'node:path';

/** A path as messages show it: relative to `cwd` when inside it. */
export function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => d ?? '?').join(', ')}]`;
}
