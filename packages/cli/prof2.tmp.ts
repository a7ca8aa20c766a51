import * as tf from '@tensorflow/tfjs';
import { loadTfjsModel } from './src/tfjs-model-file.ts';
import { BUILTIN_MODEL } from './src/builtin.ts';
import { readNpyFile } from './test/cli-harness.ts';
const loaded = await loadTfjsModel(BUILTIN_MODEL, { backend: process.argv[2] as 'wasm' });
const input = readNpyFile('/tmp/sr1/input.npy');
const rows = 128;
const big = { data: new Float32Array(rows * 784), shape: [rows, 28, 28, 1] };
for (let i = 0; i < rows; i++) big.data.set(input.data.subarray((i % 12) * 784, (i % 12 + 1) * 784), i * 784);
for (const outputs of [['logits'], ['inputGradients']] as const) {
  await loaded.model.run({ input: big, outputs: [...outputs], target: 'predicted' });
  let u = process.cpuUsage();
  for (let k = 0; k < 3; k++) await loaded.model.run({ input: big, outputs: [...outputs], target: 'predicted' });
  console.log(outputs[0], ((process.cpuUsage(u).user) / 3000).toFixed(0), 'ms user per call of', rows);
}
const info = await tf.profile(async () => { await loaded.model.run({ input: big, outputs: ['inputGradients'], target: 'predicted' }); });
const byKernel = new Map<string, number>();
for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
console.log([...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12));
