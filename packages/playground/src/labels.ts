import { OptionError } from '@salience/core';
import { softmax, topK } from '@salience/render';

/**
 * Class names from a labels file: one name per line (labels.txt), a JSON array of names, or a
 * JSON object from index to name (Keras's imagenet_class_index.json: `{"0": ["n01440764", "tench"]}`
 * takes the last string).
 */
export function parseLabels(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new OptionError(`The labels file looks like JSON but does not parse (${(error as Error).message}); give one name per line, or a JSON array of names.`);
    }
    const nameOf = (v: unknown, where: string): string => {
      const name = Array.isArray(v) ? v.at(-1) : v;
      if (typeof name !== 'string' && typeof name !== 'number') throw new OptionError(`The labels file's entry ${where} is not a name; give strings.`);
      return String(name);
    };
    if (Array.isArray(parsed)) return parsed.map((v, i) => nameOf(v, String(i)));
    const entries = Object.entries(parsed as Record<string, unknown>);
    const names: string[] = [];
    for (const [key, value] of entries) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0) throw new OptionError(`The labels file's key '${key}' is not a class index; use {"0": "name", ...}.`);
      names[index] = nameOf(value, `"${key}"`);
    }
    return Array.from(names, (n, i) => n ?? `class ${i}`);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export interface RankedTarget {
  readonly index: number;
  readonly name: string;
  readonly probability: number;
}

/** The k most probable classes of one row of logits (softmax), with their names. */
export function topTargets(logits: ArrayLike<number>, labels: readonly string[], k: number): RankedTarget[] {
  const probabilities = softmax(logits);
  return topK(probabilities, k).map((r) => ({ index: r.index, name: labels[r.index] ?? `class ${r.index}`, probability: r.score }));
}

/** "Coat (class 4) · 91.3%". */
export function targetText(t: RankedTarget): string {
  return `${t.name} (class ${t.index}) · ${(100 * t.probability).toFixed(1)}%`;
}

/**
 * The target of a run: a class number typed by the user wins over the list's choice ('predicted'
 * or a class index), so classes outside the top of the list can be explained too.
 */
export function chooseTarget(listed: string, typed: string, classes: number): 'predicted' | number {
  const text = typed.trim();
  if (text !== '') {
    const index = Number(text);
    if (!Number.isInteger(index) || index < 0 || index >= classes) {
      throw new OptionError(`Class ${text} does not exist: this model has ${classes} classes, 0 to ${classes - 1}.`);
    }
    return index;
  }
  return listed === 'predicted' || listed === '' ? 'predicted' : Number(listed);
}
