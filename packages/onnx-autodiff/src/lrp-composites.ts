import type { NodeProto } from './proto.js';
import { GradientContext, type GradientRule } from './rule.js';
import { gradientRules } from './rules/index.js';

/** LRP composites: rules assigned per layer type, as Zennit's composites assign them. */
export type LrpComposite = 'epsilon-plus-flat';

export const LRP_COMPOSITES: readonly LrpComposite[] = ['epsilon-plus-flat'];

/** Zennit's default stabiliser (and the Epsilon rule's epsilon) in its composites. */
const STABILIZER = 1e-6;

/** Activations that pass relevance unchanged (Zennit's Activation types). */
const ACTIVATIONS: readonly string[] = ['Relu', 'LeakyRelu', 'Elu', 'Sigmoid', 'Tanh', 'Softplus', 'Selu', 'Gelu', 'HardSwish', 'HardSigmoid'];

const LINEAR_OPS: readonly string[] = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'];

/** z + stabilizer * sign(z), sign(0) = 1 (Zennit's stabilize). */
function stabilized(ctx: GradientContext, z: string): string {
  const g = ctx.graph;
  return g.add('Add', [z, g.add('Where', [g.add('Less', [z, ctx.scalar(0, z)]), ctx.scalar(-STABILIZER, z), ctx.scalar(STABILIZER, z)])]);
}

/**
 * A copy of the node that reads other data, weight (and bias) inputs: its output z, and the gradient
 * w.r.t. its data input of any dy, from the node's own rule run on the copy.
 */
function layerCopy(ctx: GradientContext, inputs: readonly string[]): { z: string; backward: (dy: string) => string } {
  const g = ctx.graph;
  const node = ctx.node;
  const z = g.uniqueName(`ad/lrp_${node.opType}`);
  const copy: NodeProto = { opType: node.opType, input: [...inputs], output: [z], name: g.uniqueName('ad/lrp_layer'), attribute: [...(node.attribute ?? [])] };
  g.appendNode(copy);
  g.setInfo(z, g.info(ctx.output(0)));
  const inner = new GradientContext(g, copy, (name) => name === inputs[0], ctx.options);
  return { z, backward: (dy) => gradientRules[node.opType ?? ''].backward(inner, [dy])[0]! };
}

function like(ctx: GradientContext, source: string, op: 'Relu' | 'Neg'): string {
  const g = ctx.graph;
  const out = op === 'Relu' ? g.add('Relu', [source]) : g.add('Neg', [g.add('Relu', [g.add('Neg', [source])])]);
  g.setInfo(out, g.info(source));
  return out;
}

/** Zennit's Epsilon (and Norm) rule: x * grad(R / stabilize(z)), z the layer's own output. */
const epsilon: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const grads = gradientRules[ctx.node.opType ?? ''].backward(ctx, [g.add('Div', [dy, stabilized(ctx, ctx.output(0))])]);
    return grads.map((grad, i) => (grad === undefined || i > 0 ? undefined : g.add('Mul', [grad, ctx.input(0)])));
  },
};

/** Zennit's ZPlus: positive weights (and bias) on positive inputs plus negative weights on negative inputs. */
const zPlus: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const [x, w, b] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    const [xp, xn, wp, wn] = [like(ctx, x, 'Relu'), like(ctx, x, 'Neg'), like(ctx, w, 'Relu'), like(ctx, w, 'Neg')];
    const positive = layerCopy(ctx, b ? [xp, wp, like(ctx, b, 'Relu')] : [xp, wp]);
    const negative = layerCopy(ctx, [xn, wn]);
    const s = g.add('Div', [dy, stabilized(ctx, g.add('Add', [positive.z, negative.z]))]);
    return [g.add('Add', [g.add('Mul', [xp, positive.backward(s)]), g.add('Mul', [xn, negative.backward(s)])])];
  },
};

/** Zennit's Flat: inputs and weights all ones, no bias; the relevance is spread evenly over each window. */
const flat: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const [x, w] = [ctx.input(0), ctx.input(1)];
    const ones = (t: string) => {
      const out = g.add('Add', [g.add('Mul', [t, ctx.scalar(0, t)]), ctx.scalar(1, t)]);
      g.setInfo(out, g.info(t));
      return out;
    };
    const [x1, w1] = [ones(x), ones(w)];
    const layer = layerCopy(ctx, [x1, w1]);
    return [layer.backward(g.add('Div', [dy, stabilized(ctx, layer.z)]))];
  },
};

const pass: GradientRule = { backward: (_ctx, [dy]) => [dy] };

/**
 * The rules of a composite, by op type. Zennit's EpsilonPlusFlat: Flat on the first Conv/Gemm/MatMul
 * in graph order, ZPlus on the other convolutions, Epsilon (1e-6) on Gemm and MatMul, Norm on average
 * pools, relevance passed through activations and BatchNormalization (folded by the export or not);
 * every other op (MaxPool, ReduceMean, Add, Flatten...) keeps its gradient, as an op without a
 * Zennit rule does.
 */
export function compositeRules(composite: LrpComposite): Record<string, GradientRule> {
  let first: NodeProto | undefined;
  const firstLayer = (ctx: GradientContext): boolean => {
    first ??= ctx.graph.nodes.find((n) => LINEAR_OPS.includes(n.opType ?? '') && !n.domain);
    return first === ctx.node;
  };
  const set: Record<string, GradientRule> = {};
  if (composite !== 'epsilon-plus-flat') return set;
  for (const op of LINEAR_OPS) {
    const plain = gradientRules[op];
    if (!plain) continue;
    const rule = op === 'Conv' || op === 'ConvTranspose' ? zPlus : epsilon;
    set[op] = {
      differentiable: plain.differentiable,
      constant: plain.constant,
      check: plain.check,
      backward: (ctx, grads) => (firstLayer(ctx) ? flat : rule).backward(ctx, grads),
    };
  }
  for (const op of ['AveragePool', 'GlobalAveragePool']) set[op] = { ...gradientRules[op], backward: epsilon.backward };
  for (const op of [...ACTIVATIONS, 'BatchNormalization']) if (gradientRules[op]) set[op] = { ...gradientRules[op], backward: pass.backward };
  return set;
}
