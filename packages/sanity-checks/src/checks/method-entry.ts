import type { Attribution, CommonOptions, Method, Model, TensorData } from '@salience/core';
import { OptionError, ShapeError } from '@salience/core';

/** A method with the options to run it with, and the name it has in the report. */
export interface MethodEntry {
  readonly method: Method;
  /** The method's own options (`target` is set by the checks). */
  readonly options?: object;
  /** Default: the method's id (made unique with '#2', '#3'... when repeated). */
  readonly name?: string;
}

export type MethodSpec = Method | MethodEntry;

export interface ResolvedEntry {
  readonly name: string;
  readonly method: Method;
  readonly options: object;
}

function isEntry(spec: MethodSpec): spec is MethodEntry {
  return typeof spec === 'object' && spec !== null && 'method' in spec && typeof (spec as MethodEntry).method?.attribute === 'function';
}

export function resolveEntries(specs: readonly MethodSpec[]): ResolvedEntry[] {
  if (!Array.isArray(specs) || specs.length === 0) throw new OptionError('Give at least one method: a Method value, or { method, options?, name? }.');
  const seen = new Map<string, number>();
  return specs.map((spec, i) => {
    const entry = isEntry(spec) ? spec : { method: spec as Method };
    if (!entry.method || typeof entry.method.attribute !== 'function' || typeof entry.method.id !== 'string') {
      throw new OptionError(`methods[${i}] is not a method: give a Method value (gradient, gradCam...) or { method, options?, name? }.`);
    }
    const base = entry.name ?? entry.method.id;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { name: n === 1 ? base : `${base}#${n}`, method: entry.method, options: entry.options ?? {} };
  });
}

/** The entry's maps of `input`, one per example, each explaining the example's target. */
export async function mapsOf(entry: ResolvedEntry, model: Model, input: TensorData, targets: Int32Array, common: CommonOptions): Promise<Attribution> {
  const attribution = await entry.method.attribute(model, input, { ...entry.options, ...common, target: targets });
  const examples = input.shape[0];
  if (attribution.examples.length !== examples || attribution.examples.some((e, i) => e !== i)) {
    throw new ShapeError(`Method '${entry.name}' gave ${attribution.examples.length} maps for ${examples} examples with one target each.`);
  }
  return attribution;
}
