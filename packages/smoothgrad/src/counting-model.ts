import type { Model, ModelOutputs, ModelRequest, OutputName } from '@salience/core';

/** The model as the inner method sees it: the same model, with its `run` calls counted. */
export interface CountingModel extends Model {
  readonly calls: number;
}

export function countingModel(model: Model): CountingModel {
  let calls = 0;
  return {
    layout: model.layout,
    inputShape: model.inputShape,
    capabilities: model.capabilities,
    layers: () => model.layers(),
    ...(model.contextOf ? { contextOf: (input) => model.contextOf!(input) } : {}),
    run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
      calls++;
      return model.run(request);
    },
    // The wrapper lends the model to the inner method; disposing it stays the caller's job.
    dispose: () => {},
    get calls() {
      return calls;
    },
  };
}
