import { type Attribution, type CommonOptions, concatRows, type Method, type Model, OptionError, sliceRows, type Target, type TensorData } from '@salience/core';
import { gridMask, slicMask } from '@salience/shapley';

/** How the CLI groups an image's pixels into features: square cells or SLIC superpixels. */
export type FeatureMaskChoice = { readonly kind: 'grid'; readonly cell?: number } | { readonly kind: 'superpixels'; readonly segments: number };

/** The default cell: 1/8 of the shorter side (64 features), as occlusion's default window. */
export function defaultCell(height: number, width: number): number {
  return Math.max(1, Math.round(Math.min(height, width) / 8));
}

function imageSize(model: Model, input: TensorData): [number, number] | undefined {
  if (input.shape.length !== 4) return undefined;
  if (model.layout === 'NCHW') return [input.shape[2]!, input.shape[3]!];
  if (model.layout === 'NHWC') return [input.shape[1]!, input.shape[2]!];
  return undefined;
}

/** The target of example `e` alone: one class of a per-example list, otherwise as given. */
function targetOfExample(target: Target | undefined, e: number): Target | undefined {
  return Array.isArray(target) ? [target[e]] : target;
}

function rowOf(value: unknown, e: number, rows: number): unknown {
  const t = value as TensorData;
  return typeof value === 'object' && value !== null && 'shape' in t && 'data' in t && t.shape[0] === rows && rows > 1 ? sliceRows(t, e, e + 1) : value;
}

/** Attributions of single examples as one, with the examples numbered as in the whole input. */
function joinExamples(parts: readonly Attribution[]): Attribution {
  const first = parts[0]!;
  const examples = Int32Array.from(parts.flatMap((p, e) => Array.from(p.examples, () => e)));
  const calls = parts.reduce((sum, p) => sum + (typeof p.meta.modelCalls === 'number' ? p.meta.modelCalls : 0), 0);
  const rows = parts.reduce((sum, p) => sum + (typeof p.meta.modelRows === 'number' ? p.meta.modelRows : 0), 0);
  return {
    ...first,
    values: concatRows(parts.map((p) => p.values)),
    examples,
    targets: Int32Array.from(parts.flatMap((p) => Array.from(p.targets))),
    meta: { ...first.meta, modelCalls: calls, modelRows: rows, features: parts.map((p) => p.meta.features as number), featureMask: 'SLIC superpixels per image' },
  };
}

/**
 * A Shapley-family method whose feature mask is made from the input when it runs: a grid of
 * cells for the whole batch, or SLIC superpixels per image (each example then runs on its own,
 * since a superpixel mask belongs to one image). Non-image inputs keep every element a feature.
 */
export function withFeatureMask(base: Method<object>, choice: FeatureMaskChoice): Method<object> {
  return {
    id: base.id,
    requires: base.requires,
    async attribute(model: Model, input: TensorData, options: CommonOptions = {}): Promise<Attribution> {
      const size = imageSize(model, input);
      if (!size) {
        if (choice.kind === 'superpixels' || choice.cell !== undefined)
          throw new OptionError(
            `--${choice.kind === 'superpixels' ? 'superpixels' : 'grid'} groups the pixels of images; this model's layout is ${model.layout}. Leave it out: every input element is then its own feature.`,
          );
        return base.attribute(model, input, options);
      }
      const [height, width] = size;
      if (choice.kind === 'grid') {
        const cell = choice.cell ?? defaultCell(height, width);
        const attribution = await base.attribute(model, input, { ...options, featureMask: gridMask(height, width, cell) } as CommonOptions);
        return { ...attribution, meta: { ...attribution.meta, featureMask: `grid of ${cell}x${cell} cells` } };
      }
      const rows = input.shape[0]!;
      const parts: Attribution[] = [];
      const { onProgress } = options;
      for (let e = 0; e < rows; e++) {
        const image = sliceRows(input, e, e + 1);
        const featureMask = slicMask(image, model.layout as 'NCHW' | 'NHWC', { segments: choice.segments });
        const own = Object.fromEntries(
          Object.entries(options).map(([k, v]) => [
            k,
            k === 'context' ? Object.fromEntries(Object.entries(v as Record<string, TensorData>).map(([n, t]) => [n, rowOf(t, e, rows)])) : rowOf(v, e, rows),
          ]),
        );
        parts.push(
          await base.attribute(model, image, {
            ...own,
            featureMask,
            target: targetOfExample(options.target, e),
            onProgress: onProgress ? (done: number, total: number) => onProgress(e * total + done, rows * total) : undefined,
          } as CommonOptions),
        );
      }
      return joinExamples(parts);
    },
  };
}
