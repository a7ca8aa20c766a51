import type { BackwardRuleKind } from '@salience/core';
import { CapabilityError } from '@salience/core';
import type { GradConfig, KernelConfig, NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import type { Tensor, TfNamespace } from './tf-types.js';

/** ReLU's modified backward: Guided Backprop or Deconvnet. */
export type ReluRule = 'guided' | 'deconvnet';

/**
 * The backward rules the tfjs adapter applies: ReLU's, by swapping the registered gradients of the
 * kernels that compute a ReLU. DeepLIFT's rescale and LRP need the forward values of every layer
 * pair-wise or a rule per linear layer; they are left to @salience/onnx.
 */
export const TFJS_BACKWARD_RULES: readonly BackwardRuleKind[] = ['guided', 'deconvnet'];

/**
 * Kernels whose gradient the ReLU rule replaces. Relu is what tf.relu, Keras' 'relu' activation
 * and ReLU layer, and converted graphs' Relu run (fused convolutions and matmuls with a relu are
 * unfused into it while tfjs records gradients); Relu6, and ClipByValue with a lower bound of 0,
 * are min(relu(x), cap); Maximum with a scalar 0 is a ReLU written out.
 */
export const RELU_RULE_KERNELS: readonly string[] = ['Relu', 'Relu6', 'ClipByValue', 'Maximum'];

/** Kernels that would compute a ReLU out of the rule's reach: fused kernels whose activation is a ReLU. */
export const FUSED_RELU_KERNELS: readonly string[] = ['_FusedMatMul', 'FusedConv2D', 'FusedDepthwiseConv2D'];

type RuleTf = Pick<
  TfNamespace,
  | 'relu'
  | 'greater'
  | 'lessEqual'
  | 'logicalAnd'
  | 'where'
  | 'zerosLike'
  | 'getGradient'
  | 'registerGradient'
  | 'getBackend'
  | 'getKernel'
  | 'registerKernel'
  | 'unregisterKernel'
  | 'engine'
>;

/**
 * The modified gradient of y = min(relu(x), cap) (cap Infinity for a plain ReLU): the rule replaces
 * the ReLU's part, the cap keeps its ordinary mask. 'guided': relu(dy) where 0 < x (<= cap), as
 * Captum's GuidedBackprop (the ordinary gradient's positive part). 'deconvnet': relu(dy) (<= cap),
 * whatever the sign of x, as Captum's Deconvolution.
 */
export function reluRuleGradient(
  tf: Pick<RuleTf, 'relu' | 'greater' | 'lessEqual' | 'logicalAnd' | 'where' | 'zerosLike'>,
  rule: ReluRule,
  dy: Tensor,
  x: Tensor,
  cap = Infinity,
): Tensor {
  const positive = tf.relu(dy);
  const capped = Number.isFinite(cap) ? tf.lessEqual(x, cap) : undefined;
  const active = rule === 'guided' ? tf.greater(x, 0) : undefined;
  const mask = active && capped ? tf.logicalAnd(active, capped) : (active ?? capped);
  return mask ? tf.where(mask, positive, tf.zerosLike(positive)) : positive;
}

interface EngineState {
  gradientDepth?: number;
  kernelDepth?: number;
}

/** What tfjs's engine is doing: recording a tape, and how many kernels deep (a customGrad's forward runs inside one). */
function engineState(tf: Pick<TfNamespace, 'engine'>): EngineState {
  return (tf.engine() as unknown as { state?: EngineState }).state ?? {};
}

function hiddenReluError(kernel: string, where: string): CapabilityError {
  return new CapabilityError(
    `This model computes a ReLU ${where} (tfjs kernel ${kernel}), where the Guided Backprop / Deconvnet rule cannot replace its gradient, ` +
      'so the map would be a plain gradient there. Use tf.relu (or a Keras relu activation) outside custom gradients, or export the model to ONNX ' +
      '(tf2onnx) and load it with @salience/onnx.',
    [`backward:relu in ${kernel}`],
  );
}

/** The rule's gradient config for one kernel, or undefined when tfjs registers no gradient for it. */
function ruleGradient(tf: RuleTf, kernelName: string, rule: ReluRule): GradConfig | undefined {
  const original = tf.getGradient(kernelName);
  if (!original) return undefined;
  const replaced = (gradFunc: GradConfig['gradFunc']): GradConfig => ({ ...original, gradFunc });
  switch (kernelName) {
    case 'Relu':
      return replaced((dy, [x]) => ({ x: () => reluRuleGradient(tf, rule, dy as Tensor, x) }));
    case 'Relu6':
      return replaced((dy, [x]) => ({ x: () => reluRuleGradient(tf, rule, dy as Tensor, x, 6) }));
    case 'ClipByValue':
      return replaced((dy, saved, attrs: NamedAttrMap) => {
        const { clipValueMin, clipValueMax } = attrs as unknown as { clipValueMin: number; clipValueMax: number };
        // Only a lower bound of 0 makes a clip a ReLU; any other clip keeps its gradient.
        if (clipValueMin !== 0) return original.gradFunc(dy, saved, attrs);
        return { x: () => reluRuleGradient(tf, rule, dy as Tensor, saved[0], clipValueMax) };
      });
    case 'Maximum':
      return replaced((dy, saved, attrs: NamedAttrMap) => {
        const plain = original.gradFunc(dy, saved, attrs);
        const [a, b] = saved;
        const grad = dy as Tensor;
        // max(x, 0) with a scalar 0 (tf.maximum(x, 0)): the rule for x, the ordinary gradient for the 0.
        const isZero = (t: Tensor) => t.size === 1 && t.dataSync()[0] === 0;
        const sameShape = (t: Tensor) => t.shape.length === grad.shape.length && t.shape.every((d, i) => d === grad.shape[i]);
        if (isZero(b) && sameShape(a)) return { ...plain, a: () => reluRuleGradient(tf, rule, grad, a) };
        if (isZero(a) && sameShape(b)) return { ...plain, b: () => reluRuleGradient(tf, rule, grad, b) };
        return plain;
      });
    default:
      return undefined;
  }
}

/** A kernel that refuses to run where it would hide a ReLU from the rule, else runs as registered. */
function guardedKernel(tf: RuleTf, original: KernelConfig): KernelConfig {
  const fused = FUSED_RELU_KERNELS.includes(original.kernelName);
  return {
    ...original,
    kernelFunc: (args) => {
      const { gradientDepth = 0, kernelDepth = 0 } = engineState(tf);
      if (gradientDepth > 0) {
        const activation = (args.attrs as { activation?: string } | undefined)?.activation;
        // A fused kernel with a ReLU inside differentiates it with its own closure, never the registry.
        if (fused && (activation === 'relu' || activation === 'relu6')) throw hiddenReluError(original.kernelName, `inside a fused kernel (activation '${activation}')`);
        // Kernels run inside another kernel (a customGrad's forward) are not recorded on the tape:
        // the custom gradient decides, and it knows nothing of the rule.
        if (!fused && kernelDepth > 1) throw hiddenReluError(original.kernelName, 'inside a custom gradient (tf.customGrad)');
      }
      return original.kernelFunc(args as { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown } as Parameters<KernelConfig['kernelFunc']>[0]);
    },
  };
}

/**
 * Runs `work` (a synchronous forward and backward pass, as `tf.grads` in it) with ReLU's gradient
 * replaced by `rule`, and puts tfjs's registrations back afterwards, also when `work` throws. tfjs
 * looks a kernel's gradient up when the forward op runs, so `work` must hold both passes.
 *
 * A ReLU the rule cannot reach makes `work` throw a CapabilityError rather than give a plain
 * gradient there: one inside a fused kernel, or one run inside a `tf.customGrad` forward.
 */
export function withReluRule<T>(tf: RuleTf, rule: ReluRule, work: () => T): T {
  const gradients: GradConfig[] = [];
  const kernels: KernelConfig[] = [];
  const backendName = tf.getBackend();
  try {
    for (const kernelName of RELU_RULE_KERNELS) {
      const modified = ruleGradient(tf, kernelName, rule);
      if (!modified) continue;
      gradients.push(tf.getGradient(kernelName)!);
      tf.registerGradient(modified);
    }
    for (const kernelName of ['Relu', 'Relu6', ...FUSED_RELU_KERNELS]) {
      const original = tf.getKernel(kernelName, backendName);
      if (!original) continue;
      tf.unregisterKernel(kernelName, backendName);
      kernels.push(original);
      tf.registerKernel(guardedKernel(tf, original));
    }
    return work();
  } finally {
    for (const original of gradients) tf.registerGradient(original);
    for (const original of kernels) {
      if (tf.getKernel(original.kernelName, backendName)) tf.unregisterKernel(original.kernelName, backendName);
      tf.registerKernel(original);
    }
  }
}
