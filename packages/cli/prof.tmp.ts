import { loadTfjsModel } from './src/tfjs-model-file.ts';
import { BUILTIN_MODEL } from './src/builtin.ts';
import { readNpyFile } from './test/cli-harness.ts';
import { smoothGrad } from '@salience/smoothgrad';
import { gradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
const backend = process.argv[2] as 'cpu' | 'wasm';
const loaded = await loadTfjsModel(BUILTIN_MODEL, { backend });
const input = readNpyFile('/tmp/sr1/input.npy');
for (let k = 0; k < 2; k++) {
  let t = performance.now(); let u = process.cpuUsage();
  await smoothGrad(gradient).attribute(loaded.model, input, {});
  console.log(backend, 'smoothgrad', (performance.now() - t).toFixed(0), 'ms wall', (process.cpuUsage(u).user / 1000).toFixed(0), 'ms user');
  t = performance.now(); u = process.cpuUsage();
  await integratedGradients.attribute(loaded.model, input, {});
  console.log(backend, 'ig', (performance.now() - t).toFixed(0), 'ms wall', (process.cpuUsage(u).user / 1000).toFixed(0), 'ms user');
}
