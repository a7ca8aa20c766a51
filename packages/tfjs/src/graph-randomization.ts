import { createRng, OptionError } from '@salience/core';
import type { Tensor, TfjsGraphModel, TfNamespace } from './tf-types.js';
import { weightSeed } from './weight-seed.js';

export interface WeightNode {
  readonly name: string;
  readonly op: string;
  readonly inputs?: readonly WeightNode[];
}

/** Batch-norm inputs (after x) that start at one: scale and variance. */
const BATCH_NORM_ONES = new Set([1, 4]);

/** The constant behind a node input, through Identity nodes. */
function constantOf(node: WeightNode | undefined): WeightNode | undefined {
  while (node && node.op === 'Identity') node = node.inputs?.[0];
  return node?.op === 'Const' ? node : undefined;
}

/** The float weights (constants of rank 1 or more) that a node reads, with the input slot of each. */
export function weightsOf(node: WeightNode, weights: Readonly<Record<string, readonly Tensor[]>>): { name: string; slot: number; value: Tensor }[] {
  const found: { name: string; slot: number; value: Tensor }[] = [];
  (node.inputs ?? []).forEach((input, slot) => {
    const constant = constantOf(input);
    const value = constant ? weights[constant.name]?.[0] : undefined;
    if (constant && value && value.dtype === 'float32' && value.rank >= 1) found.push({ name: constant.name, slot, value });
  });
  return found;
}

/**
 * Fresh values in the way Keras initialises layers, since a frozen graph keeps no initializers:
 * Glorot uniform for weights of rank 2 or more (fans from the last two axes and the receptive
 * field before them: [h, w, in, out] filters and [in, out] matrices), zeros for vectors (biases,
 * batch-norm offsets and means), ones for batch-norm scales and variances.
 */
function freshValues(node: WeightNode, slot: number, shape: readonly number[], seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (shape.length < 2) {
    if (node.op.startsWith('FusedBatchNorm') && BATCH_NORM_ONES.has(slot)) values.fill(1);
    return values;
  }
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const fanIn = receptive * shape[shape.length - 2]!;
  const fanOut = receptive * shape[shape.length - 1]!;
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return createRng(seed).fillUniform(values, -limit, limit);
}

/** New weights for the nodes, by constant name: the feeds that turn the graph into its randomised copy. */
export function freshGraphWeights(
  tf: Pick<TfNamespace, 'tensor'>,
  model: TfjsGraphModel,
  nodes: readonly WeightNode[],
  seed: number,
  nodesWithWeights: () => string[],
): Map<string, Tensor> {
  const weights = model.weights;
  if (!weights) throw new OptionError('This GraphModel does not expose its weights (model.weights), so it has no randomised copy.');
  const planned = new Map<string, { node: WeightNode; slot: number; shape: number[] }>();
  for (const node of nodes) {
    const found = weightsOf(node, weights);
    if (found.length === 0) {
      throw new OptionError(`Node '${node.name}' reads no weights to randomise; nodes with weights: ${nodesWithWeights().join(', ') || 'none'}.`);
    }
    for (const { name, slot, value } of found) if (!planned.has(name)) planned.set(name, { node, slot, shape: [...value.shape] });
  }
  const fresh = new Map<string, Tensor>();
  for (const [name, { node, slot, shape }] of planned) fresh.set(name, tf.tensor(freshValues(node, slot, shape, weightSeed(seed, name)), shape, 'float32'));
  return fresh;
}
