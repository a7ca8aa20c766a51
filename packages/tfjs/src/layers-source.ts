import type { LayerInfo } from '@salience/core';
import { OptionError, UnknownLayerError } from '@salience/core';
import { withInterceptedLayers } from './layer-interception.js';
import { type LayerSuffix, layerSuffix } from './layer-suffix.js';
import type { FoundLayer } from './layers-randomization.js';
import { cloneWithFreshLayers, collectLayers } from './layers-randomization.js';
import type { EmbeddingPoint, ForwardHooks, Interception, RandomizedSource, Source } from './source.js';
import { chainInterceptions } from './source.js';
import type { Tensor, TfjsLayer, TfjsLayersModel } from './tf-types.js';

function outputShapeOf(layer: TfjsLayer): (number | null)[] {
  try {
    const shape = layer.outputShape;
    const first = Array.isArray(shape[0]) ? (shape[0] as readonly (number | null)[]) : (shape as readonly (number | null)[]);
    return [...first];
  } catch {
    // Layers called on inputs of different shapes have no single output shape.
    return [];
  }
}

function configNumber(layer: TfjsLayer, key: string): number | undefined {
  const value = (layer.getConfig() as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : undefined;
}

export function layersModelSource(model: TfjsLayersModel, embeddingLayer: string | undefined): Source {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new OptionError(
      `The LayersModel has ${model.inputs.length} inputs and ${model.outputs.length} outputs; salience needs one of each. Build one with the input and output you want (tf.model({ inputs, outputs })), or wrap it in a function of one tensor that returns the logits.`,
    );
  }
  const found = collectLayers(model);
  const counts = new Map<string, number>();
  for (const { layer } of found) counts.set(layer.name, (counts.get(layer.name) ?? 0) + 1);
  // A plain name where it is unique; 'outer/inner' for names that nested models repeat.
  const byName = new Map<string, FoundLayer>();
  const names: string[] = [];
  for (const entry of found) {
    const name = counts.get(entry.layer.name) === 1 ? entry.layer.name : entry.path.join('/');
    names.push(name);
    byName.set(name, entry);
    byName.set(entry.path.join('/'), entry);
  }
  const resolve = (name: string): TfjsLayer => {
    const entry = byName.get(name);
    if (!entry) throw new UnknownLayerError(name, names);
    return entry.layer;
  };
  const withWeights = () => names.filter((_, i) => found[i]!.layer.weights.length > 0);
  const suffixes = new Map<string, LayerSuffix | undefined>();
  const suffixOf = (name: string): LayerSuffix | undefined => {
    if (!suffixes.has(name)) suffixes.set(name, layerSuffix(model, resolve(name)));
    return suffixes.get(name);
  };

  let embedding: { point: EmbeddingPoint; layer: TfjsLayer } | undefined;
  const embeddingLayers = found.filter(({ layer }) => layer.getClassName() === 'Embedding');
  const chosen = embeddingLayer !== undefined ? resolve(embeddingLayer) : embeddingLayers.length === 1 ? embeddingLayers[0]!.layer : undefined;
  if (embeddingLayer === undefined && embeddingLayers.length > 1) {
    throw new OptionError(
      `The model has several Embedding layers (${embeddingLayers.map(({ layer }) => layer.name).join(', ')}); name the one whose output to attribute with the embeddingLayer option.`,
    );
  }
  if (chosen) {
    const name = names[found.findIndex(({ layer }) => layer === chosen)];
    const isEmbedding = chosen.getClassName() === 'Embedding';
    const shape = outputShapeOf(chosen);
    embedding = {
      layer: chosen,
      point: {
        name: name!,
        vocabulary: isEmbedding ? configNumber(chosen, 'inputDim') : undefined,
        dimension: isEmbedding ? configNumber(chosen, 'outputDim') : (shape[shape.length - 1] ?? undefined),
      },
    };
  }

  const inputDtype = model.inputs[0]!.dtype;
  const outputShape = model.outputs[0]!.shape;
  return {
    kind: 'layers-model',
    declaredInputShape: [...model.inputs[0]!.shape],
    declaredInputDtype: inputDtype === 'int32' ? 'int32' : undefined,
    classes: outputShape.length === 2 && outputShape[1] !== null ? outputShape[1] : undefined,
    embedding: embedding?.point,
    notDifferentiable: undefined,
    supportsLayers: true,
    // Convolution layers read their filters from variables, never from the input.
    filterGradientsUnused: true,
    layers(): readonly LayerInfo[] {
      return found.map(({ layer }, i) => {
        const shape = outputShapeOf(layer);
        return { name: names[i]!, kind: layer.getClassName(), outputShape: shape, spatial: shape.length === 4 };
      });
    },
    checkLayer(name: string): void {
      resolve(name);
    },
    randomized(layers: readonly string[], seed: number): RandomizedSource {
      const chosen = new Set<number>();
      for (const name of layers) {
        const layer = resolve(name);
        if (layer.weights.length === 0) {
          throw new OptionError(`Layer '${name}' has no weights to randomise; layers with weights: ${withWeights().join(', ') || 'none'}.`);
        }
        chosen.add(found.findIndex((entry) => entry.layer === layer));
      }
      const clone = cloneWithFreshLayers(model, found, chosen, seed);
      return { source: layersModelSource(clone, embedding?.point.name), release: () => clone.dispose() };
    },
    forward(x: Tensor, hooks: ForwardHooks): Tensor {
      // Run from given activations: only the layers after the cut, where every path goes through it.
      if (hooks.layer?.given && !hooks.embedding) {
        const suffix = suffixOf(hooks.layer.name);
        if (suffix) return suffix(hooks.layer.intercept(hooks.layer.given));
      }
      const points = new Map<TfjsLayer, Interception>();
      if (hooks.embedding && embedding) points.set(embedding.layer, hooks.embedding);
      if (hooks.layer) {
        const layer = resolve(hooks.layer.name);
        const earlier = points.get(layer);
        points.set(layer, earlier ? chainInterceptions(earlier, hooks.layer) : hooks.layer);
      }
      return withInterceptedLayers([...points], () => {
        const output = model.apply(x, { training: false });
        if (Array.isArray(output)) throw new Error(`The model returned ${output.length} tensors; expected one tensor of logits.`);
        return output as Tensor;
      });
    },
  };
}
