import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { fromTfjs } from '@salience/tfjs';
await tf.setBackend(process.argv[2]);
tf.enableProdMode();
function build(kind: string) {
  const m = tf.sequential();
  const conv = (filters: number, first = false, strides = 1) => tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', strides, ...(first ? { inputShape: [28, 28, 1] } : {}) });
  if (kind === 'max' || kind === 'avg') {
    const pool = () => (kind === 'max' ? tf.layers.maxPooling2d({ poolSize: 2 }) : tf.layers.averagePooling2d({ poolSize: 2 }));
    m.add(conv(16, true)); m.add(pool()); m.add(conv(32)); m.add(pool()); m.add(conv(32)); m.add(pool());
  } else {
    m.add(conv(16, true)); m.add(conv(32, false, 2)); m.add(conv(32, false, 2)); m.add(conv(32, false, 2));
  }
  m.add(tf.layers.flatten()); m.add(tf.layers.dense({ units: 64, activation: 'relu' })); m.add(tf.layers.dense({ units: 10 }));
  return m;
}
const rows = 128;
const big = { data: Float32Array.from({ length: rows * 784 }, () => Math.random()), shape: [rows, 28, 28, 1] };
for (const kind of ['max', 'avg', 'strided']) {
  const model = fromTfjs(tf as never, build(kind) as never);
  await model.run({ input: big, outputs: ['inputGradients'], target: 'predicted' });
  const u = process.cpuUsage();
  for (let k = 0; k < 3; k++) await model.run({ input: big, outputs: ['inputGradients'], target: 'predicted' });
  const f = process.cpuUsage();
  for (let k = 0; k < 3; k++) await model.run({ input: big, outputs: ['logits'] });
  console.log(process.argv[2], kind, 'grad', (process.cpuUsage(u).user / 3000 - process.cpuUsage(f).user / 3000).toFixed(0), 'ms user; logits', (process.cpuUsage(f).user / 3000).toFixed(0));
}
