import type * as tfType from '@tensorflow/tfjs';

type Tf = typeof tfType;

/**
 * A ResNet-18-sized tfjs LayersModel (NHWC, random weights): the benchmark workload.
 * Same layer counts and channel widths as torchvision's resnet18, BatchNorm in inference mode.
 */
export function buildResNet18(tf: Tf, { size = 224, classes = 1000, seed = 1 } = {}): tfType.LayersModel {
  let n = 0;
  const init = () => tf.initializers.heNormal({ seed: seed + n++ });
  const conv = (x: tfType.SymbolicTensor, filters: number, kernel: number, strides: number, name: string) => {
    const padded = kernel > 1 ? (tf.layers.zeroPadding2d({ padding: Math.floor(kernel / 2), name: `${name}_pad` }).apply(x) as tfType.SymbolicTensor) : x;
    return tf.layers.conv2d({ filters, kernelSize: kernel, strides, padding: 'valid', useBias: false, kernelInitializer: init(), name }).apply(padded) as tfType.SymbolicTensor;
  };
  const bn = (x: tfType.SymbolicTensor, name: string) => tf.layers.batchNormalization({ epsilon: 1e-5, name }).apply(x) as tfType.SymbolicTensor;
  const relu = (x: tfType.SymbolicTensor, name: string) => tf.layers.reLU({ name }).apply(x) as tfType.SymbolicTensor;

  const input = tf.input({ shape: [size, size, 3], name: 'input' });
  let x = relu(bn(conv(input, 64, 7, 2, 'conv1'), 'bn1'), 'relu1');
  x = tf.layers.zeroPadding2d({ padding: 1, name: 'pool_pad' }).apply(x) as tfType.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'maxpool' }).apply(x) as tfType.SymbolicTensor;
  const widths = [64, 128, 256, 512];
  let channels = 64;
  widths.forEach((width, stage) => {
    for (let block = 0; block < 2; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      const name = `layer${stage + 1}_${block}`;
      let h = relu(bn(conv(x, width, 3, strides, `${name}_conv1`), `${name}_bn1`), `${name}_relu1`);
      h = bn(conv(h, width, 3, 1, `${name}_conv2`), `${name}_bn2`);
      const shortcut = strides !== 1 || channels !== width ? bn(conv(x, width, 1, strides, `${name}_down`), `${name}_down_bn`) : x;
      x = relu(tf.layers.add({ name: `${name}_add` }).apply([h, shortcut]) as tfType.SymbolicTensor, `${name}_out`);
      channels = width;
    }
  });
  x = tf.layers.globalAveragePooling2d({ name: 'avgpool' }).apply(x) as tfType.SymbolicTensor;
  const logits = tf.layers.dense({ units: classes, kernelInitializer: init(), name: 'fc' }).apply(x) as tfType.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'resnet18' });
}
