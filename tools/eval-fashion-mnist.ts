// Test accuracy of the CLI's built-in model as TensorFlow.js runs it (the tfjs export, not the
// PyTorch original), on Debian's Fashion-MNIST test set:
//   apt-get install dataset-fashion-mnist && node --conditions=@salience/source --import tsx tools/eval-fashion-mnist.ts
// It also runs the ONNX export when onnxruntime-node loads.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { BUILTIN_MODEL, BUILTIN_ONNX_MODEL, loadModelFile } from '@salience/cli';
import { argmaxRows, type Model } from '@salience/core';

const folder = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const read = (name: string) => gunzipSync(readFileSync(`${folder}/${name}`));
const images = read('t10k-images-idx3-ubyte.gz').subarray(16);
const labels = read('t10k-labels-idx1-ubyte.gz').subarray(8);
const count = labels.length;

async function accuracy(model: Model, layout: 'NHWC' | 'NCHW'): Promise<number> {
  let correct = 0;
  for (let start = 0; start < count; start += 500) {
    const rows = Math.min(500, count - start);
    const data = Float32Array.from(images.subarray(start * 784, (start + rows) * 784), (v) => v / 255);
    const shape = layout === 'NHWC' ? [rows, 28, 28, 1] : [rows, 1, 28, 28];
    const { logits } = await model.run({ input: { data, shape }, outputs: ['logits'] });
    argmaxRows(logits).forEach((p, i) => {
      if (p === labels[start + i]) correct++;
    });
  }
  return correct / count;
}

const tfjs = await loadModelFile(BUILTIN_MODEL, { backend: 'wasm' });
console.log(`tfjs (${tfjs.runtime}): test accuracy ${(100 * (await accuracy(tfjs.model, 'NHWC'))).toFixed(2)}% on ${count} images`);
tfjs.dispose();
const onnx = await loadModelFile(BUILTIN_ONNX_MODEL, { backend: 'wasm' });
console.log(`onnx (${onnx.runtime}): test accuracy ${(100 * (await accuracy(onnx.model, 'NCHW'))).toFixed(2)}% on ${count} images`);
onnx.dispose();
