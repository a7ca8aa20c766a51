import { CliError } from './cli-error.js';
import type { LoadedModel, ModelLoadOptions } from './loaded-model.js';

function missingModule(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Loads an ONNX model through @salience/onnx and onnxruntime-node. */
export async function loadOnnxModel(path: string, _options: ModelLoadOptions): Promise<LoadedModel> {
  const name = '@salience/onnx';
  try {
    await import(name);
  } catch (error) {
    if (!missingModule(error)) throw error;
  }
  throw new CliError(
    'missingDependency',
    `ONNX support needs @salience/onnx, which this build of the CLI does not have yet (${path}). Export the model to TensorFlow.js (model.json) meanwhile.`,
  );
}
