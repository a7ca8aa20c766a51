import type { GradientRule } from '../rule.js';
import { arithmeticRules } from './arithmetic.js';
import { convRules } from './conv.js';
import { elementwiseRules } from './elementwise.js';
import { indexingRules } from './indexing.js';
import { matmulRules } from './matmul.js';
import { normalizationRules } from './normalization.js';
import { poolingRules } from './pooling.js';
import { reduceRules } from './reduce.js';
import { shapeRules } from './shape-ops.js';
import { softmaxRules } from './softmax.js';

/** Gradient rules of the default ONNX domain, by op type. */
export const gradientRules: Readonly<Record<string, GradientRule>> = {
  ...elementwiseRules,
  ...arithmeticRules,
  ...matmulRules,
  ...convRules,
  ...poolingRules,
  ...normalizationRules,
  ...softmaxRules,
  ...reduceRules,
  ...shapeRules,
  ...indexingRules,
};

/** Ops that carry no gradient of their own but may sit on a path (they have no differentiable input). */
export const SOURCE_OPS: readonly string[] = ['Constant', 'ConstantOfShape', 'Shape', 'Size', 'Range', 'RandomNormal', 'RandomUniform'];

/** Minimum opset of ops that only exist from some version on. */
const SINCE: Readonly<Record<string, number>> = { LayerNormalization: 17, Gelu: 20 };

/**
 * The op types (default domain) that `addGradients` can differentiate, sorted. With `opset`, only
 * those that exist at that opset.
 */
export function supportedOps(opset?: number): string[] {
  return [...Object.keys(gradientRules), 'Constant'].filter((op) => opset === undefined || (SINCE[op] ?? 0) <= opset).sort();
}
