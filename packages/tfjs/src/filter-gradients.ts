import type { KernelBackend, KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import type { TfNamespace } from './tf-types.js';

/** Kernels that compute the gradient of a convolution with respect to its filter. */
export const FILTER_GRADIENT_KERNELS: readonly string[] = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'Conv3DBackpropFilterV2'];

type RegistryTf = Pick<TfNamespace, 'getBackend' | 'getKernel' | 'registerKernel' | 'unregisterKernel'>;

/** Zeros of the filter's shape: what a gradient that nobody reads may as well be. */
const zeroFilterGradient: KernelFunc = ({ backend, attrs }) => {
  const shape = (attrs as { filterShape: number[] }).filterShape;
  let size = 1;
  for (const d of shape) size *= d;
  return { dataId: (backend as KernelBackend).write(new Float32Array(size), shape, 'float32'), shape, dtype: 'float32' };
};

/**
 * Runs `work` (a synchronous backward pass) with the filter-gradient kernels of the active backend
 * replaced by zeros, and puts the registry back afterwards, also when `work` throws.
 *
 * Why: the gradient of tfjs's fused convolution (any Conv2D with a bias) computes the filter's
 * gradient along with the input's, and it costs most of the backward pass (14x on a small CNN on
 * cpu) although an attribution never reads it. Only valid when no filter depends on the input
 * (weights of a model), so that the filter gradient is discarded by the tape.
 */
export function withoutFilterGradients<T>(tf: RegistryTf, work: () => T): T {
  const backendName = tf.getBackend();
  const replaced: Array<{ kernelName: string; original: KernelConfig | undefined }> = [];
  try {
    for (const kernelName of FILTER_GRADIENT_KERNELS) {
      const original = tf.getKernel(kernelName, backendName);
      if (original) tf.unregisterKernel(kernelName, backendName);
      replaced.push({ kernelName, original });
      tf.registerKernel({ kernelName, backendName, kernelFunc: zeroFilterGradient });
    }
    return work();
  } finally {
    for (const { kernelName, original } of replaced) {
      if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
      if (original) tf.registerKernel(original);
    }
  }
}
