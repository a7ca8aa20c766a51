import type { KernelBackend, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { TfNamespace } from './tf-types.js';

/**
 * Kernels that only backpropagation runs. Some backends lack a few of them (wasm has no
 * DepthwiseConv2dNativeBackpropInput, Conv2DBackpropFilter or UnsortedSegmentSum), which would
 * make depthwise convolutions and embedding lookups impossible to differentiate there.
 */
export const BACKWARD_KERNELS: readonly string[] = [
  'AvgPool3DGrad',
  'AvgPoolGrad',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'Conv3DBackpropFilterV2',
  'Conv3DBackpropInputV2',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'Dilation2DBackpropFilter',
  'Dilation2DBackpropInput',
  'EluGrad',
  'LRNGrad',
  'MaxPool3DGrad',
  'MaxPoolGrad',
  'ResizeBilinearGrad',
  'ResizeNearestNeighborGrad',
  'UnsortedSegmentSum',
];

/**
 * Backward kernels that a backend has but computes differently from every reference: tfjs-wasm's
 * MaxPoolGrad gives a tie within a window to the last maximum, where PyTorch and tfjs-cpu give it
 * to the first, and drops the gradient of windows whose maximum is 0 or less. Ties are everywhere
 * on flat images (the start of an integrated-gradients path), so these are bridged to cpu too.
 * (webgl and webgpu get a first-wins gradient made of their own ops instead: see
 * `FIRST_WINS_MAX_POOL_BACKENDS`.)
 */
export const DIVERGENT_BACKWARD_KERNELS: Readonly<Record<string, readonly string[]>> = { wasm: ['MaxPoolGrad'] };

type FallbackTf = Pick<TfNamespace, 'getBackend' | 'getKernel' | 'registerKernel' | 'unregisterKernel' | 'findBackend'>;

const bridged = new WeakSet<KernelFunc>();

/** Kernels of `BACKWARD_KERNELS` that the active backend lacks and the cpu backend has. */
export function missingBackwardKernels(tf: Pick<FallbackTf, 'getBackend' | 'getKernel'>): string[] {
  const backend = tf.getBackend();
  if (!backend || backend === 'cpu') return [];
  return BACKWARD_KERNELS.filter((name) => !tf.getKernel(name, backend) && tf.getKernel(name, 'cpu'));
}

/** Kernels of `DIVERGENT_BACKWARD_KERNELS` that the active backend still runs natively. */
function divergentBackwardKernels(tf: Pick<FallbackTf, 'getBackend' | 'getKernel'>): string[] {
  const backend = tf.getBackend();
  return (DIVERGENT_BACKWARD_KERNELS[backend] ?? []).filter((name) => {
    const own = tf.getKernel(name, backend);
    return own && !bridged.has(own.kernelFunc) && tf.getKernel(name, 'cpu');
  });
}

/**
 * Registers, for the active backend, every missing backward kernel as a bridge to the cpu
 * backend's implementation: the inputs are read, the cpu kernel runs on cpu copies, and the
 * result is written back to the active backend. Slower than a native kernel, but only
 * backward passes through these ops pay for it. Kernels known to diverge from the reference
 * semantics (`DIVERGENT_BACKWARD_KERNELS`) are replaced the same way. Returns the kernels it registered.
 */
export function borrowCpuBackwardKernels(tf: FallbackTf): string[] {
  const backendName = tf.getBackend();
  const divergent = divergentBackwardKernels(tf);
  for (const kernelName of divergent) tf.unregisterKernel(kernelName, backendName);
  const borrowed = [...missingBackwardKernels(tf)];
  for (const kernelName of borrowed) {
    const cpuKernel = tf.getKernel(kernelName, 'cpu')!;
    const kernelFunc = bridgeToCpu(tf, kernelName, cpuKernel.kernelFunc);
    bridged.add(kernelFunc);
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
  return borrowed;
}

function bridgeToCpu(tf: FallbackTf, kernelName: string, cpuKernel: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const active = backend as KernelBackend;
    const cpu = tf.findBackend('cpu');
    if (!cpu) {
      throw new Error(`Kernel '${kernelName}' runs on the cpu backend for this backend, but no cpu backend is registered: add \`import '@tensorflow/tfjs-backend-cpu'\`.`);
    }
    const onCpu: object[] = [];
    try {
      const cpuInputs: NamedTensorInfoMap = {};
      for (const [name, info] of Object.entries(inputs)) {
        if (!info) continue;
        const dataId = cpu.write(active.readSync(info.dataId), info.shape, info.dtype);
        onCpu.push(dataId);
        cpuInputs[name] = { dataId, shape: info.shape, dtype: info.dtype };
      }
      const result = cpuKernel({ inputs: cpuInputs, backend: cpu, attrs });
      const outputs = Array.isArray(result) ? result : [result];
      const back: TensorInfo[] = outputs.map((out) => {
        onCpu.push(out.dataId);
        return { dataId: active.write(cpu.readSync(out.dataId), out.shape, out.dtype), shape: out.shape, dtype: out.dtype };
      });
      return Array.isArray(result) ? back : back[0]!;
    } finally {
      for (const dataId of onCpu) cpu.disposeData(dataId);
    }
  };
}
