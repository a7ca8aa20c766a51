import { type Model, type ModelOutputs, type ModelRequest, modelWithRun, type OutputName } from '@salience/core';

/** The model as the inner method sees it: the same model, with its `run` calls counted. */
export interface CountingModel extends Model {
  readonly calls: number;
}

export function countingModel(model: Model): CountingModel {
  let calls = 0;
  const counted = modelWithRun(
    model,
    <K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> => {
      calls++;
      return model.run(request);
    },
    // The wrapper lends the model to the inner method; disposing it stays the caller's job.
    () => {},
  );
  return Object.defineProperty(counted, 'calls', { get: () => calls, enumerable: true }) as CountingModel;
}
