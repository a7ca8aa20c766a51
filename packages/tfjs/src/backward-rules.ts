import type { BackwardRuleKind } from '@salience/core';
import { CapabilityError } from '@salience/core';
import type { GradConfig, KernelConfig, NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import type { Tensor, TfNamespace } from './tf-types.js';

/** ReLU's modified backward: Guided Backprop or Deconvnet. */
export type ReluRule = 'guided' | 'deconvnet';

/**
 * The backward rules the tfjs adapter applies, by swapping the registered gradients of the kernels
 * that compute a nonlinearity: ReLU's (Guided Backprop, Deconvnet) and DeepLIFT's rescale rule.
 * LRP needs a rule at every linear layer, and tfjs differentiates a convolution or dense layer with
 * a bias (a fused kernel) through a closure of its own, out of reach: LRP is left to @salience/onnx.
 */
export const TFJS_BACKWARD_RULES: readonly BackwardRuleKind[] = ['guided', 'deconvnet', 'rescale'];

/**
 * Kernels whose gradient the ReLU rule replaces. Relu is what tf.relu, Keras' 'relu' activation
 * and ReLU layer, and converted graphs' Relu run (fused convolutions and matmuls with a relu are
 * unfused into it while tfjs records gradients); Relu6, and ClipByValue with a lower bound of 0,
 * are min(relu(x), cap); Maximum with a scalar 0 is a ReLU written out.
 */
export const RELU_RULE_KERNELS: readonly string[] = ['Relu', 'Relu6', 'ClipByValue', 'Maximum'];

/** Kernels that would compute a nonlinearity out of a rule's reach: fused kernels with an activation other than 'linear'. */
export const FUSED_ACTIVATION_KERNELS: readonly string[] = ['_FusedMatMul', 'FusedConv2D', 'FusedDepthwiseConv2D'];

/**
 * Kernels whose gradient DeepLIFT's rescale rule replaces: Captum's nonlinear modules (less Softmax),
 * as @salience/onnx; and the elementwise ones that Keras and converted graphs write ReLU6 and
 * clipped ReLUs with (Relu6, ClipByValue, and Maximum / Minimum with a scalar, as the 'relu6'
 * activation's min(6, relu(x))).
 */
export const RESCALE_KERNELS: readonly string[] = ['Relu', 'Relu6', 'LeakyRelu', 'Elu', 'Sigmoid', 'Tanh', 'ClipByValue', 'Maximum', 'Minimum', 'MaxPool'];

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

type RescaleTf = RuleTf & Pick<TfNamespace, 'split' | 'concat' | 'sub' | 'mul' | 'div' | 'add' | 'abs' | 'less' | 'maximum' | 'minimum' | 'keep' | 'dispose'>;

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

function hiddenError(kernel: string, where: string, rule: string): CapabilityError {
  return new CapabilityError(
    `This model computes a nonlinearity ${where} (tfjs kernel ${kernel}), where the ${rule} rule cannot replace its gradient, ` +
      'so the map would be a plain gradient there. Use tfjs ops (or Keras activations) outside custom gradients, or export the model to ONNX ' +
      '(tf2onnx) and load it with @salience/onnx.',
    [`backward:${rule} in ${kernel}`],
  );
}

/** The rule's gradient config for one kernel, or undefined when tfjs registers no gradient for it. */
function ruleGradient(tf: RuleTf, kernelName: string, rule: ReluRule): GradConfig | undefined {
  const original = tf.getGradient(kernelName);
  if (!original) return undefined;
  const replaced = (gradFunc: GradConfig['gradFunc']): GradConfig => ({ ...original, gradFunc });
  switch (kernelName) {
    case 'Relu':
      return replaced((dy, [x]) => ({ x: () => reluRuleGradient(tf, rule, dy as Tensor, x!) }));
    case 'Relu6':
      return replaced((dy, [x]) => ({ x: () => reluRuleGradient(tf, rule, dy as Tensor, x!, 6) }));
    case 'ClipByValue':
      return replaced((dy, saved, attrs: NamedAttrMap) => {
        const { clipValueMin, clipValueMax } = attrs as unknown as { clipValueMin: number; clipValueMax: number };
        // Only a lower bound of 0 makes a clip a ReLU; any other clip keeps its gradient.
        if (clipValueMin !== 0) return original.gradFunc(dy, saved, attrs);
        return { x: () => reluRuleGradient(tf, rule, dy as Tensor, saved[0]!, clipValueMax) };
      });
    case 'Maximum':
      return replaced((dy, saved, attrs: NamedAttrMap) => {
        const plain = original.gradFunc(dy, saved, attrs);
        const [a, b] = saved;
        const grad = dy as Tensor;
        // max(x, 0) with a scalar 0 (tf.maximum(x, 0)): the rule for x, the ordinary gradient for the 0.
        const isZero = (t: Tensor) => t.size === 1 && t.dataSync()[0] === 0;
        const sameShape = (t: Tensor) => t.shape.length === grad.shape.length && t.shape.every((d, i) => d === grad.shape[i]);
        if (isZero(b!) && sameShape(a!)) return { ...plain, a: () => reluRuleGradient(tf, rule, grad, a!) };
        if (isZero(a!) && sameShape(b!)) return { ...plain, b: () => reluRuleGradient(tf, rule, grad, b!) };
        return plain;
      });
    default:
      return undefined;
  }
}

/** A kernel that refuses to run where it would hide a nonlinearity from the rule, else runs as registered. */
function guardedKernel(tf: Pick<RuleTf, 'engine'>, original: KernelConfig, rule: string): KernelConfig {
  const fused = FUSED_ACTIVATION_KERNELS.includes(original.kernelName);
  return {
    ...original,
    kernelFunc: (args) => {
      const { gradientDepth = 0, kernelDepth = 0 } = engineState(tf);
      if (gradientDepth > 0) {
        const activation = (args.attrs as { activation?: string } | undefined)?.activation;
        // A fused kernel with an activation differentiates it with its own closure, never the registry.
        if (fused && activation !== undefined && activation !== 'linear') throw hiddenError(original.kernelName, `inside a fused kernel (activation '${activation}')`, rule);
        // Kernels run inside another kernel (a customGrad's forward) are not recorded on the tape:
        // the custom gradient decides, and it knows nothing of the rule.
        if (!fused && kernelDepth > 1) throw hiddenError(original.kernelName, 'inside a custom gradient (tf.customGrad)', rule);
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
  const modified = RELU_RULE_KERNELS.map((kernelName) => ruleGradient(tf, kernelName, rule)).filter((g) => g !== undefined);
  return withSwappedGradients(tf, modified, ['Relu', 'Relu6'], rule, work);
}

/**
 * Registers `modified` gradients and guards the `guarded` kernels (and the fused ones) for the
 * time of `work`, then puts tfjs's own registrations back, also when `work` throws.
 */
function withSwappedGradients<T>(tf: RuleTf, modified: readonly GradConfig[], guarded: readonly string[], rule: string, work: () => T): T {
  const gradients: GradConfig[] = [];
  const kernels: KernelConfig[] = [];
  const backendName = tf.getBackend();
  try {
    for (const config of modified) {
      gradients.push(tf.getGradient(config.kernelName)!);
      tf.registerGradient(config);
    }
    for (const kernelName of [...guarded, ...FUSED_ACTIVATION_KERNELS]) {
      const original = tf.getKernel(kernelName, backendName);
      if (!original) continue;
      tf.unregisterKernel(kernelName, backendName);
      kernels.push(original);
      tf.registerKernel(guardedKernel(tf, original, rule));
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

/** Captum's threshold below which the rescale rule falls back to the gradient. */
const RESCALE_EPS = 1e-10;

/**
 * Runs `work` (a synchronous forward and backward pass) with DeepLIFT's rescale rule (Shrikumar et
 * al. 2017, as Captum's DeepLift and @salience/onnx): the batch is [inputs; baselines], half each,
 * and every nonlinearity of `RESCALE_KERNELS` passes back dy * Δout / Δin, Δ being a row minus its
 * baseline row (the ordinary gradient where |Δin| < 1e-10). MaxPool (Captum's maxpool rule) routes
 * dy * Δout through each row's own window maxima, Δout taken against the elementwise max of the two
 * halves' outputs, and adds the halves. As Captum's hooks do, a nonlinearity whose only consumer is
 * a MaxPool multiplies Δout / Δin by the pool's plain gradient. tfjs's registrations are put back
 * afterwards; a nonlinearity out of reach (inside a tf.customGrad or a fused kernel) is refused.
 */
export function withRescaleRule<T>(tf: RescaleTf, work: () => T): T {
  // The plain gradient of each MaxPool that alone reads its input, by that input's data.
  const pooled = new Map<object, Tensor>();
  const modified = RESCALE_KERNELS.map((kernelName) => rescaleGradient(tf, kernelName, pooled)).filter((g) => g !== undefined);
  try {
    // The activations are refused inside a custom gradient; max, min and clips are common in tfjs's own.
    return withSwappedGradients(tf, modified, ['Relu', 'Relu6', 'LeakyRelu', 'Elu', 'Sigmoid', 'Tanh', 'MaxPool'], 'rescale', work);
  } finally {
    tf.dispose([...pooled.values()]);
  }
}

/** Each row minus its baseline row, given to both halves: [a - b; a - b] for t = [a; b]. */
function pairDifference(tf: RescaleTf, t: Tensor): Tensor {
  const [a, b] = tf.split(t, 2, 0);
  const d = tf.sub(a!, b!);
  return tf.concat([d, d], 0);
}

interface TapeNode {
  readonly inputs: Record<string, Tensor | undefined>;
  readonly outputs: readonly Tensor[];
  readonly saved?: readonly Tensor[];
}

/** The ops tfjs recorded in the pass being differentiated (it keeps them until the backward pass ends). */
function activeTape(tf: Pick<TfNamespace, 'engine'>): readonly TapeNode[] {
  const tape = (tf.engine() as unknown as { state?: { activeTape?: TapeNode[] } }).state?.activeTape;
  return Array.isArray(tape) ? tape : [];
}

/**
 * The op whose gradient function was handed `saved`: tfjs passes a node's own saved array, whose
 * tensors are copies (with other data on some backends), while the node holds the op's real input
 * and output tensors.
 */
function nodeOf(tape: readonly TapeNode[], saved: readonly Tensor[]): TapeNode | undefined {
  return tape.find((node) => node.saved === saved);
}

/** How many ops on the tape read `t`, leaving out the copies tfjs records when it saves a tensor for a gradient. */
function readersOf(tape: readonly TapeNode[], t: Tensor): number {
  const copies = new Set(tape.flatMap((node) => node.saved ?? []));
  const isCopy = (node: TapeNode) => node.outputs.length === 1 && copies.has(node.outputs[0]!);
  return tape.filter((node) => !isCopy(node) && Object.values(node.inputs).includes(t)).length;
}

function rescaleGradient(tf: RescaleTf, kernelName: string, pooled: Map<object, Tensor>): GradConfig | undefined {
  const original = tf.getGradient(kernelName);
  if (!original) return undefined;
  if (kernelName === 'Maximum' || kernelName === 'Minimum') return rescaleWithScalar(tf, original);
  // Saved as [x, y] whatever tfjs's own rule saves; its plain gradient gets what it saves.
  const savesX = original.inputsToSave?.includes('x') ?? false;
  const savesY = original.outputsToSave?.[0] ?? false;
  const plainOf = (dy: Tensor, x: Tensor, y: Tensor, attrs: NamedAttrMap) => original.gradFunc(dy, [...(savesX ? [x] : []), ...(savesY ? [y] : [])], attrs).x!();
  const rescaled = (plain: Tensor, deltaIn: Tensor, scaled: Tensor) => tf.where(tf.less(tf.abs(deltaIn), RESCALE_EPS), plain, scaled);
  return {
    ...original,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs: NamedAttrMap) => ({
      x: () => {
        const [x, y] = saved;
        const grad = dy as Tensor;
        const plain = plainOf(grad, x!, y!, attrs);
        const deltaIn = pairDifference(tf, x!);
        const tape = activeTape(tf);
        const node = nodeOf(tape, saved);
        if (kernelName !== 'MaxPool') {
          // Captum's hooks read a module's output gradient before the next module's hook replaces
          // it, so a nonlinearity whose only consumer is a MaxPool scales the pool's plain gradient.
          const pool = node && pooled.get(node.outputs[0]!);
          const scaled = tf.div(tf.mul(pool ?? grad, pairDifference(tf, y!)), deltaIn);
          return rescaled(plain, deltaIn, scaled);
        }
        const input = node?.inputs.x;
        if (input && readersOf(tape, input) === 1 && !pooled.has(input)) pooled.set(input, tf.keep(plain.clone()));
        const [a, b] = tf.split(y!, 2, 0);
        const top = tf.maximum(a!, b!);
        const deltaOut = tf.concat([tf.sub(top, b!), tf.sub(a!, top)], 0);
        const routed = plainOf(tf.mul(grad, deltaOut), x!, y!, attrs);
        const [ra, rb] = tf.split(routed, 2, 0);
        const sum = tf.add(ra!, rb!);
        return rescaled(plain, deltaIn, tf.div(tf.concat([sum, sum], 0), deltaIn));
      },
    }),
  };
}

/**
 * max(t, c) or min(t, c) with a scalar c is an elementwise nonlinearity of t: the rescale rule for
 * t, the ordinary gradient for c. Of two tensors, it keeps its gradient (Captum has no rule for it).
 */
function rescaleWithScalar(tf: RescaleTf, original: GradConfig): GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const plain = original.gradFunc(dy, saved, attrs);
      const [a, b] = saved;
      const grad = dy as Tensor;
      const sameShape = (t: Tensor) => t.shape.length === grad.shape.length && t.shape.every((d, i) => d === grad.shape[i]);
      const rule = (t: Tensor, plainOfT: () => Tensor) => () => {
        const deltaIn = pairDifference(tf, t);
        const y = original.kernelName === 'Maximum' ? tf.maximum(a!, b!) : tf.minimum(a!, b!);
        const scaled = tf.div(tf.mul(grad, pairDifference(tf, y)), deltaIn);
        return tf.where(tf.less(tf.abs(deltaIn), RESCALE_EPS), plainOfT(), scaled);
      };
      if (b!.size === 1 && sameShape(a!)) return { ...plain, a: rule(a!, plain.a!) };
      if (a!.size === 1 && sameShape(b!)) return { ...plain, b: rule(b!, plain.b!) };
      return plain;
    },
  };
}
