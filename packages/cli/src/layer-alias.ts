import type { Model } from '@salience/core';
import type { LoadedModel } from './loaded-model.js';

/** The model, listing `layer` too when the loader knows it by another name (see `LoadedModel.layerAlias`). */
export function withLayerAlias(loaded: LoadedModel, layer: string | undefined): Model {
  const { model } = loaded;
  if (layer === undefined || !loaded.layerAlias || model.layers().some((l) => l.name === layer)) return model;
  const alias = loaded.layerAlias(layer);
  if (!alias) return model;
  return {
    layout: model.layout,
    inputShape: model.inputShape,
    capabilities: model.capabilities,
    layers: () => [...model.layers(), alias],
    run: (request) => model.run(request),
    dispose: () => model.dispose(),
  };
}
