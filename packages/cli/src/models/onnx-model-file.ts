import { access, constants } from 'node:fs/promises';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { CliError } from '../cli-error.js';
import type { LoadedModel, ModelLoadOptions } from './loaded-model.js';

function missingModule(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** onnxruntime-node is optional (it weighs hundreds of megabytes): named through a variable so nothing requires it. */
async function importOnnxRuntime(): Promise<OrtModule & { readonly env?: { readonly versions?: { readonly common?: string } } }> {
  const name = 'onnxruntime-node';
  try {
    const module = (await import(name)) as { default?: unknown };
    return (module.default ?? module) as OrtModule;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const how = missingModule(error) ? `${name} is not installed` : `${name} is installed but does not load (${reason})`;
    throw new CliError('missingDependency', `ONNX models need ${name}, and ${how}. Install it next to the CLI: \`npm install ${name}\`.`, { cause: error });
  }
}

/**
 * Loads an ONNX model with @salience/onnx on onnxruntime-node (CPU). Gradients come from a
 * gradient graph built on first use; a model whose ops have no gradient rule still explains with
 * forward-only methods, and its `gradientError` says which op is missing.
 */
export async function loadOnnxModel(path: string, options: ModelLoadOptions): Promise<LoadedModel> {
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'it does not exist' : error instanceof Error ? error.message : String(error);
    throw new CliError('modelFile', `Cannot read the model ${path}: ${reason}.`, { cause: error });
  }
  const ort = await importOnnxRuntime();
  let model: Awaited<ReturnType<typeof fromOnnx>>;
  try {
    // From its path, so that weights kept beside the model (torch.onnx.export's model.onnx.data) are read too.
    model = await fromOnnx(ort, path, { ...(options.layout ? { layout: options.layout } : {}), ...(options.inputName !== undefined ? { input: options.inputName } : {}) });
  } catch (error) {
    // The library's hints name its options; on the command line they are flags.
    if (error instanceof Error && /the 'input' option|the 'context' option/.test(error.message)) {
      error.message = error.message
        .replace(/the 'input' option/g, '--input-name NAME')
        .replace(/\(see the 'context' option\)/g, '(give them with --context NAME=FILE.npy, one row per example)')
        .replace(/the 'context' option/g, '--context NAME=FILE.npy');
    }
    // An unreadable file is the user's model file; option and shape problems keep their own codes.
    if ((error as { code?: unknown }).code === 'MODEL_FAILED') {
      throw new CliError('modelFile', `${path} could not be loaded as an ONNX model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    throw error;
  }
  return {
    model,
    format: 'onnx',
    runtime: `onnxruntime-node ${ort.env?.versions?.common ?? ''}`.trim(),
    gradientError: model.gradientError,
    dispose: () => model.dispose(),
  };
}
