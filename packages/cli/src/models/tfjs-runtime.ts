import { CliError } from '../cli-error.js';

/** The TensorFlow.js namespace the command runs on. */
export type Tf = typeof import('@tensorflow/tfjs');

/** tfjs backends the command can use: 'tensorflow' is tfjs-node, when the user installed it. */
export type BackendName = 'wasm' | 'cpu' | 'tensorflow';

export const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];

function missingModule(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** tfjs-node is optional: named through a variable so that neither TypeScript nor bundlers require it. */
async function importTfjsNode(): Promise<Tf> {
  const name = '@tensorflow/tfjs-node';
  try {
    return (await import(name)) as Tf;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const how = missingModule(error)
      ? `${name} is not installed.`
      : `${name} is installed but does not load (${reason}); its install script downloads libtensorflow and may not have run.`;
    throw new CliError(
      'missingDependency',
      `--backend tensorflow needs ${name}. ${how} Install it next to the CLI with \`npm install ${name}\` (it downloads TensorFlow's C library), or use --backend wasm (the default) or cpu.`,
      { cause: error },
    );
  }
}

/**
 * Loads TensorFlow.js on the chosen backend, lazily: `salience --help` and ONNX runs never load
 * it. Production mode silences tfjs's banner, which would otherwise interleave with our output.
 */
export async function loadTfjs(backend: BackendName): Promise<Tf> {
  let tf: Tf;
  if (backend === 'tensorflow') {
    tf = await importTfjsNode();
  } else {
    tf = await import('@tensorflow/tfjs');
    if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  }
  tf.enableProdMode();
  let ready = false;
  try {
    ready = await tf.setBackend(backend);
  } catch (error) {
    throw new CliError('failure', `The tfjs '${backend}' backend failed to start: ${error instanceof Error ? error.message : String(error)}. Try --backend cpu.`, { cause: error });
  }
  if (!ready) throw new CliError('failure', `The tfjs '${backend}' backend failed to start. Try --backend cpu.`);
  await tf.ready();
  return tf;
}
