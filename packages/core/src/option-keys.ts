import { OptionError } from './errors.js';

/** The options every method takes (`CommonOptions`). */
export const COMMON_OPTION_KEYS: readonly string[] = ['target', 'objective', 'batchSize', 'seed', 'signal', 'context', 'limits', 'onProgress'];

/** Edit distance between two short names (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The valid name closest to `name`, when one is close enough to be a likely typo. */
export function closestName(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of valid) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Rejects option keys that neither the method (`own`) nor `CommonOptions` knows, naming the closest
 * valid one: a misspelt option (`stepz`) would otherwise be ignored silently. Keys set to
 * `undefined` are ignored, so spreading optional values stays harmless.
 */
export function checkOptionKeys(options: object | undefined, own: readonly string[], who: string): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new OptionError(`${who} takes an options object; got ${typeof options}.`);
  const valid = [...own, ...COMMON_OPTION_KEYS];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || valid.includes(key)) continue;
    const near = closestName(key, valid);
    throw new OptionError(`${who} has no option '${key}'${near ? `; did you mean '${near}'?` : '.'} Its options: ${valid.join(', ')}.`);
  }
}
