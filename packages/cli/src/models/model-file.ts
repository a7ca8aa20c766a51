import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CliError } from '../cli-error.js';
import type { LoadedModel, ModelLoadOptions } from './loaded-model.js';
import { loadOnnxModel } from './onnx-model-file.js';
import { loadTfjsModel } from './tfjs-model-file.js';

/**
 * Loads a model by file type: `.onnx` through @salience/onnx, a tfjs `model.json` (or a folder
 * holding one) through @salience/tfjs.
 */
export async function loadModelFile(path: string, options: ModelLoadOptions): Promise<LoadedModel> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'model.json');
  } catch (error) {
    throw new CliError('modelFile', `Cannot read the model ${path}: ${(error as { code?: string }).code === 'ENOENT' ? 'it does not exist' : String(error)}.`);
  }
  const extension = extname(file).toLowerCase();
  if (extension === '.onnx') return loadOnnxModel(file, options);
  if (extension === '.json') return loadTfjsModel(file, options);
  throw new CliError('modelFile', `Unknown model type '${extension || path}': give an ONNX file (.onnx) or a TensorFlow.js model.json.`);
}
