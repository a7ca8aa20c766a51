import { GradientsUnavailableError, ModelError, SalienceError } from '@salience/core';
import { BACKWARD_KERNELS } from './cpu-kernel-fallback.js';

/** Turns whatever TensorFlow.js threw into a typed error that says what to do; typed errors pass through. */
export function explainFailure(error: unknown, cpuKernelFallback: boolean): SalienceError {
  if (error instanceof SalienceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const noGradient = /gradient function not found for (\w+)/.exec(message);
  if (noGradient) {
    return GradientsUnavailableError.forOp(
      noGradient[1]!,
      `tfjs kernel ${noGradient[1]}`,
      'TensorFlow.js registers no gradient for this kernel; register one with tf.registerGradient.',
    );
  }
  const missingKernel = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(message);
  let hint = '';
  if (missingKernel) {
    const [, kernel, backend] = missingKernel;
    hint = BACKWARD_KERNELS.includes(kernel!)
      ? cpuKernelFallback
        ? ` (the ${backend} backend lacks '${kernel}'; import '@tensorflow/tfjs-backend-cpu' so that its kernel can stand in)`
        : ` (the ${backend} backend lacks '${kernel}'; leave cpuKernelFallback on so that the cpu kernel stands in)`
      : ` (the ${backend} backend lacks '${kernel}'; try another backend)`;
  }
  return new ModelError(`TensorFlow.js failed while running the model${hint}`, error);
}
