import type { TensorData } from '@salience/core';
import { ShapeError } from '@salience/core';
import type * as tfjs from '@tensorflow/tfjs';
import type { CaptumModelName } from '../fixtures.js';

type Tf = typeof tfjs;
type Weights = Readonly<Record<string, TensorData>>;

/** PyTorch's BatchNorm epsilon (tfjs-layers defaults to 1e-3). */
const TORCH_BATCHNORM_EPSILON = 1e-5;

function weight(weights: Weights, name: string, shape: readonly number[]): TensorData {
  const w = weights[name];
  if (!w) throw new ShapeError(`The fixture weights have no '${name}'; they have ${Object.keys(weights).join(', ')}.`);
  if (w.shape.join() !== shape.join()) throw new ShapeError(`Fixture weight '${name}' has shape [${w.shape.join(', ')}]; expected [${shape.join(', ')}].`);
  return w;
}

/** Copies PyTorch weights into a layer, transposed into tfjs's layouts. */
function load(tf: Tf, layer: tfjs.layers.Layer, values: readonly { data: TensorData; perm?: number[] }[]): void {
  tf.tidy(() => {
    layer.setWeights(
      values.map(({ data, perm }) => {
        const t = tf.tensor(data.data, [...data.shape]);
        return perm ? t.transpose(perm) : t;
      }),
    );
  });
}

/** Conv OIHW -> HWIO, conv1d [out, in, k] -> [k, in, out], linear [out, in] -> [in, out]. */
const CONV2D = [2, 3, 1, 0];
const CONV1D = [2, 1, 0];
const LINEAR = [1, 0];

function smallcnn(tf: Tf, w: Weights): tfjs.LayersModel {
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  const c1 = tf.layers.conv2d({ name: 'c1', filters: 8, kernelSize: 3, padding: 'same' });
  const c2 = tf.layers.conv2d({ name: 'c2', filters: 16, kernelSize: 3, padding: 'same' });
  const c3 = tf.layers.conv2d({ name: 'c3', filters: 16, kernelSize: 3, padding: 'same' });
  const fc = tf.layers.dense({ name: 'fc', units: 10 });
  let x = c1.apply(input) as tfjs.SymbolicTensor;
  x = tf.layers.activation({ name: 'c1_relu', activation: 'relu' }).apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.maxPooling2d({ name: 'p1', poolSize: 2 }).apply(x) as tfjs.SymbolicTensor;
  x = c2.apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.activation({ name: 'c2_relu', activation: 'relu' }).apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.maxPooling2d({ name: 'p2', poolSize: 2 }).apply(x) as tfjs.SymbolicTensor;
  // Grad-CAM's layer 'c3' is the convolution before its ReLU, as in the fixtures.
  x = c3.apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.activation({ name: 'c3_relu', activation: 'relu' }).apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfjs.SymbolicTensor;
  const logits = fc.apply(x) as tfjs.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits, name: 'smallcnn' });
  load(tf, c1, [{ data: weight(w, 'c1.weight', [8, 1, 3, 3]), perm: CONV2D }, { data: weight(w, 'c1.bias', [8]) }]);
  load(tf, c2, [{ data: weight(w, 'c2.weight', [16, 8, 3, 3]), perm: CONV2D }, { data: weight(w, 'c2.bias', [16]) }]);
  load(tf, c3, [{ data: weight(w, 'c3.weight', [16, 16, 3, 3]), perm: CONV2D }, { data: weight(w, 'c3.bias', [16]) }]);
  load(tf, fc, [{ data: weight(w, 'fc.weight', [10, 16]), perm: LINEAR }, { data: weight(w, 'fc.bias', [10]) }]);
  return model;
}

/** PyTorch flattens [C, H, W]; an NHWC model flattens [H, W, C]: reorder the dense kernel's rows to match. */
function chwRowsToHwc(fcWeight: TensorData, channels: number, height: number, width: number): TensorData {
  const [units, features] = fcWeight.shape as [number, number];
  const out = new Float32Array(features * units);
  for (let c = 0; c < channels; c++) {
    for (let h = 0; h < height; h++) {
      for (let x = 0; x < width; x++) {
        const torchIndex = (c * height + h) * width + x;
        const tfIndex = (h * width + x) * channels + c;
        for (let o = 0; o < units; o++) out[tfIndex * units + o] = fcWeight.data[o * features + torchIndex]!;
      }
    }
  }
  return { data: out, shape: [features, units] };
}

function colorcnn(tf: Tf, w: Weights): tfjs.LayersModel {
  const input = tf.input({ shape: [32, 32, 3], name: 'input' });
  const b1 = tf.layers.conv2d({ name: 'b1', filters: 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: false });
  const bn1 = tf.layers.batchNormalization({ name: 'bn1', epsilon: TORCH_BATCHNORM_EPSILON });
  const b2 = tf.layers.conv2d({ name: 'b2', filters: 16, kernelSize: 3, padding: 'same' });
  const fc = tf.layers.dense({ name: 'fc', units: 5 });
  // PyTorch pads 1 on every side; tfjs 'same' with stride 2 would pad an even input on one side only.
  let x = tf.layers.zeroPadding2d({ name: 'b1_pad', padding: 1 }).apply(input) as tfjs.SymbolicTensor;
  x = b1.apply(x) as tfjs.SymbolicTensor;
  x = bn1.apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.activation({ name: 'bn1_relu', activation: 'relu' }).apply(x) as tfjs.SymbolicTensor;
  x = b2.apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.activation({ name: 'b2_relu', activation: 'relu' }).apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.averagePooling2d({ name: 'pool', poolSize: 4 }).apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tfjs.SymbolicTensor;
  const logits = fc.apply(x) as tfjs.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits, name: 'colorcnn' });
  load(tf, b1, [{ data: weight(w, 'b1.weight', [8, 3, 3, 3]), perm: CONV2D }]);
  load(tf, bn1, [
    { data: weight(w, 'bn1.weight', [8]) },
    { data: weight(w, 'bn1.bias', [8]) },
    { data: weight(w, 'bn1.running_mean', [8]) },
    { data: weight(w, 'bn1.running_var', [8]) },
  ]);
  load(tf, b2, [{ data: weight(w, 'b2.weight', [16, 8, 3, 3]), perm: CONV2D }, { data: weight(w, 'b2.bias', [16]) }]);
  load(tf, fc, [{ data: chwRowsToHwc(weight(w, 'fc.weight', [5, 256]), 16, 4, 4) }, { data: weight(w, 'fc.bias', [5]) }]);
  return model;
}

function tabular(tf: Tf, w: Weights): tfjs.LayersModel {
  const input = tf.input({ shape: [8], name: 'input' });
  const l1 = tf.layers.dense({ name: 'l1', units: 16 });
  const l2 = tf.layers.dense({ name: 'l2', units: 3 });
  let x = l1.apply(input) as tfjs.SymbolicTensor;
  x = tf.layers.activation({ name: 'l1_tanh', activation: 'tanh' }).apply(x) as tfjs.SymbolicTensor;
  const logits = l2.apply(x) as tfjs.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits, name: 'tabular' });
  load(tf, l1, [{ data: weight(w, 'l1.weight', [16, 8]), perm: LINEAR }, { data: weight(w, 'l1.bias', [16]) }]);
  load(tf, l2, [{ data: weight(w, 'l2.weight', [3, 16]), perm: LINEAR }, { data: weight(w, 'l2.bias', [3]) }]);
  return model;
}

function tinytext(tf: Tf, w: Weights): tfjs.LayersModel {
  // Token ids as floats, any length: [B, T] -> [B, 2].
  const input = tf.input({ shape: [null], name: 'input_ids' });
  const emb = tf.layers.embedding({ name: 'emb', inputDim: 64, outputDim: 16 });
  const conv = tf.layers.conv1d({ name: 'conv', filters: 16, kernelSize: 3, padding: 'same' });
  const fc = tf.layers.dense({ name: 'fc', units: 2 });
  let x = emb.apply(input) as tfjs.SymbolicTensor;
  x = conv.apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.activation({ name: 'conv_tanh', activation: 'tanh' }).apply(x) as tfjs.SymbolicTensor;
  x = tf.layers.globalAveragePooling1d({ name: 'pool' }).apply(x) as tfjs.SymbolicTensor;
  const logits = fc.apply(x) as tfjs.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits, name: 'tinytext' });
  load(tf, emb, [{ data: weight(w, 'emb.weight', [64, 16]) }]);
  load(tf, conv, [{ data: weight(w, 'conv.weight', [16, 16, 3]), perm: CONV1D }, { data: weight(w, 'conv.bias', [16]) }]);
  load(tf, fc, [{ data: weight(w, 'fc.weight', [2, 16]), perm: LINEAR }, { data: weight(w, 'fc.bias', [2]) }]);
  return model;
}

const BUILDERS: Record<CaptumModelName, (tf: Tf, w: Weights) => tfjs.LayersModel> = { smallcnn, colorcnn, tabular, tinytext };

/**
 * Rebuilds a Captum fixture model as a tfjs LayersModel in NHWC from its PyTorch weights (a
 * fixture's `weights`). Layer names follow the fixtures ('c1'...'c3', 'fc', 'b1', 'bn1', 'b2', 'l1',
 * 'l2', 'emb', 'conv'); the Grad-CAM layers 'c3' and 'b2' are the convolutions before their ReLU,
 * which are separate layers ('c3_relu', 'b2_relu'). Images go in as NHWC: transpose the fixture's
 * NCHW arrays with `nchwToNhwc`. The caller owns the model and disposes it.
 */
export function buildFixtureModel(tf: Tf, name: CaptumModelName, weights: Weights): tfjs.LayersModel {
  const build = BUILDERS[name];
  if (!build) throw new RangeError(`No tfjs rebuild for '${name}'; there are ${Object.keys(BUILDERS).join(', ')}.`);
  return build(tf, weights);
}
