import type { Model } from './model.js';

/**
 * The same model seen through another `run` (to count, record or guard its calls). Every fact the
 * model declares is forwarded here, once, so a capability added to `Model` reaches every wrapper
 * (a wrapper that copied fields by hand silently dropped `backwardRules` and `runsFromLayers`).
 * `dispose` defaults to disposing the model.
 */
export function modelWithRun(model: Model, run: Model['run'], dispose: () => void = () => model.dispose()): Model {
  return {
    layout: model.layout,
    inputShape: model.inputShape,
    capabilities: model.capabilities,
    ...(model.backwardRules ? { backwardRules: model.backwardRules } : {}),
    ...(model.runsFromLayers ? { runsFromLayers: model.runsFromLayers } : {}),
    ...(model.plugin ? { plugin: model.plugin } : {}),
    layers: () => model.layers(),
    ...(model.contextOf ? { contextOf: (input) => model.contextOf!(input) } : {}),
    ...(model.randomizedCopy ? { randomizedCopy: (layers, options) => model.randomizedCopy!(layers, options) } : {}),
    run,
    dispose,
  };
}
