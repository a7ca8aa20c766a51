import { OptionError } from '@salience/core';
import type { TfjsLayer, TfjsLayersModel } from './tf-types.js';
import { isLayersModel } from './tf-types.js';
import { weightSeed } from './weight-seed.js';

/** A layer of a model found by walking it, nested models' layers included. */
export interface FoundLayer {
  readonly layer: TfjsLayer;
  /** Names from the outer model down, for layers of nested models. */
  readonly path: readonly string[];
}

/** Every layer of the model, nested models' layers included (after the nested model itself). */
export function collectLayers(model: TfjsLayersModel, prefix: readonly string[] = []): FoundLayer[] {
  const found: FoundLayer[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const path = [...prefix, layer.name];
    found.push({ layer, path });
    if (isLayersModel(layer as TfjsLayersModel)) found.push(...collectLayers(layer as TfjsLayersModel, path));
  }
  return found;
}

/** A layer's entry in a serialised model: Sequential and functional configs both list them under `layers`. */
interface LayerEntry {
  readonly name?: string;
  readonly className?: string;
  readonly config?: Record<string, unknown>;
}

function entriesOf(config: Record<string, unknown> | undefined): LayerEntry[] | undefined {
  const layers = config?.layers;
  return Array.isArray(layers) ? (layers as LayerEntry[]) : undefined;
}

function entryName(entry: LayerEntry): unknown {
  return entry.name ?? entry.config?.name;
}

function findEntry(config: Record<string, unknown>, path: readonly string[]): LayerEntry | undefined {
  let entries = entriesOf(config);
  let entry: LayerEntry | undefined;
  for (const name of path) {
    entry = entries?.find((e) => entryName(e) === name);
    if (!entry) return undefined;
    entries = entriesOf(entry.config);
  }
  return entry;
}

/**
 * Gives every seedable initializer of the entry (and of the layers inside it, for a nested model)
 * its own seed, so that building the layer draws reproducible weights with the layer's own
 * initializers. Initializers without randomness (zeros, ones, constants) are left as they are.
 */
function seedInitializers(entry: LayerEntry, seed: number, path: string): void {
  const config = entry.config;
  if (!config) return;
  for (const [key, value] of Object.entries(config)) {
    if (!key.endsWith('Initializer') || !value || typeof value !== 'object') continue;
    const initializer = (value as { config?: Record<string, unknown> }).config;
    if (initializer && typeof initializer === 'object' && 'seed' in initializer) initializer.seed = weightSeed(seed, `${path}/${key}`);
  }
  for (const inner of entriesOf(config) ?? []) seedInitializers(inner, seed, `${path}/${String(entryName(inner))}`);
}

type ModelClass = { fromConfig?: (cls: unknown, config: Record<string, unknown>) => TfjsLayersModel };

/**
 * A new model built from `model`'s configuration, with the weights of `model` except in the
 * layers at `chosen` (indices into `found`, a layer of a nested model included by its parent),
 * which keep the fresh weights that their own initializers drew, seeded.
 */
export function cloneWithFreshLayers(model: TfjsLayersModel, found: readonly FoundLayer[], chosen: ReadonlySet<number>, seed: number): TfjsLayersModel {
  // A deep copy that keeps what JSON would lose (Infinity in a constraint, undefined options).
  const config = structuredClone(model.getConfig()) as Record<string, unknown>;
  const chosenPaths = new Set<string>();
  for (const index of chosen) {
    const path = found[index]!.path;
    const entry = findEntry(config, path);
    if (!entry) throw new OptionError(`Layer '${path.join('/')}' is not in the model's configuration, so the model cannot be copied with it randomised.`);
    seedInitializers(entry, seed, path.join('/'));
    chosenPaths.add(path.join('/'));
  }
  const cls = (model as unknown as { constructor: ModelClass }).constructor;
  if (typeof cls?.fromConfig !== 'function') {
    throw new OptionError('This LayersModel cannot be rebuilt from its configuration (its class has no fromConfig), so it has no randomised copy.');
  }
  let clone: TfjsLayersModel;
  try {
    clone = cls.fromConfig(cls, config);
  } catch (error) {
    throw new OptionError(
      `The model could not be rebuilt from its configuration (${error instanceof Error ? error.message : String(error)}); a model with custom layers needs them registered with tf.serialization.registerClass.`,
    );
  }
  try {
    const copied = collectLayers(clone);
    if (copied.length !== found.length || copied.some((c, i) => c.path.join('/') !== found[i]!.path.join('/'))) {
      throw new OptionError('The model rebuilt from its configuration has other layers than the original, so it has no randomised copy.');
    }
    const randomised = (path: readonly string[]) => path.some((_, k) => chosenPaths.has(path.slice(0, k + 1).join('/')));
    found.forEach(({ layer, path }, i) => {
      if (isLayersModel(layer as TfjsLayersModel) || randomised(path)) return;
      copied[i]!.layer.setWeights(layer.getWeights());
    });
    return clone;
  } catch (error) {
    clone.dispose();
    throw error;
  }
}
