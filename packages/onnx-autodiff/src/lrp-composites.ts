import { create } from '@bufbuild/protobuf';
import { NodeAttributes } from './attributes.js';
import { type NodeProto, NodeProtoSchema } from './proto.js';
import { GradientContext, type GradientRule } from './rule.js';
import { gradientRules } from './rules/index.js';

/** LRP rules for convolution and dense layers, as Zennit's rules of the same names. */
export type LrpRule = 'epsilon' | 'gamma' | 'alpha2-beta1' | 'alpha1-beta0' | 'z-plus' | 'w-square' | 'flat' | 'z-box';

export const LRP_RULES: readonly LrpRule[] = ['epsilon', 'gamma', 'alpha2-beta1', 'alpha1-beta0', 'z-plus', 'w-square', 'flat', 'z-box'];

/** Zennit's named composites. */
export type LrpCompositeName = 'epsilon-plus-flat' | 'epsilon-gamma-box' | 'epsilon-plus' | 'epsilon-alpha2-beta1' | 'epsilon-alpha2-beta1-flat';

export const LRP_COMPOSITES: readonly LrpCompositeName[] = ['epsilon-plus-flat', 'epsilon-gamma-box', 'epsilon-plus', 'epsilon-alpha2-beta1', 'epsilon-alpha2-beta1-flat'];

/**
 * Rules by layer type (Zennit's layer map): `first` for the first Conv/Gemm/MatMul in graph order,
 * `convolution` for Conv and ConvTranspose, `dense` for Gemm and MatMul; omitted ones are 'epsilon'.
 */
export interface LrpLayerMap {
  readonly first?: LrpRule;
  readonly convolution?: LrpRule;
  readonly dense?: LrpRule;
}

/** A named composite or a layer map. */
export type LrpComposite = LrpCompositeName | LrpLayerMap;

/** The composites' parameters (Zennit's names and defaults). */
export interface LrpParameters {
  /** The Epsilon rule's epsilon; default 1e-6. */
  readonly epsilon?: number;
  /** The Gamma rule's gamma; default 0.25. */
  readonly gamma?: number;
  /** ZBox's lowest and highest input values: one number, or one per channel of the first layer's input. */
  readonly low?: number | readonly number[];
  readonly high?: number | readonly number[];
}

/** Zennit's stabiliser of every rule but Epsilon. */
const STABILIZER = 1e-6;

/** Activations that pass relevance unchanged (Zennit's Activation types). */
const ACTIVATIONS: readonly string[] = ['Relu', 'LeakyRelu', 'Elu', 'Sigmoid', 'Tanh', 'Softplus', 'Selu', 'Gelu', 'HardSwish', 'HardSigmoid'];

const CONVOLUTIONS: readonly string[] = ['Conv', 'ConvTranspose'];
const LINEAR_OPS: readonly string[] = [...CONVOLUTIONS, 'Gemm', 'MatMul'];

interface Resolved {
  readonly first?: LrpRule;
  /** The ops among which the first layer is looked for (Zennit's first_map types). */
  readonly firstAmong: readonly string[];
  readonly convolution: LrpRule;
  readonly dense: LrpRule;
}

const PRESETS: Readonly<Record<LrpCompositeName, Resolved>> = {
  'epsilon-plus-flat': { first: 'flat', firstAmong: LINEAR_OPS, convolution: 'z-plus', dense: 'epsilon' },
  'epsilon-gamma-box': { first: 'z-box', firstAmong: CONVOLUTIONS, convolution: 'gamma', dense: 'epsilon' },
  'epsilon-plus': { firstAmong: LINEAR_OPS, convolution: 'z-plus', dense: 'epsilon' },
  'epsilon-alpha2-beta1': { firstAmong: LINEAR_OPS, convolution: 'alpha2-beta1', dense: 'epsilon' },
  'epsilon-alpha2-beta1-flat': { first: 'flat', firstAmong: LINEAR_OPS, convolution: 'alpha2-beta1', dense: 'epsilon' },
};

/** The rules a composite puts on its layers (first layer, convolutions, dense layers). */
export function compositeLayerRules(composite: LrpComposite): { first?: LrpRule; convolution: LrpRule; dense: LrpRule } {
  const { first, convolution, dense } = resolve(composite);
  return first ? { first, convolution, dense } : { convolution, dense };
}

function resolve(composite: LrpComposite): Resolved {
  if (typeof composite === 'string') return PRESETS[composite];
  return { first: composite.first, firstAmong: LINEAR_OPS, convolution: composite.convolution ?? 'epsilon', dense: composite.dense ?? 'epsilon' };
}

/** The problems of a composite and its parameters (empty when valid). */
export function lrpCompositeProblems(composite: unknown, parameters: LrpParameters): string[] {
  const problems: string[] = [];
  let rules: LrpRule[] = [];
  if (typeof composite === 'string') {
    if (!LRP_COMPOSITES.includes(composite as LrpCompositeName))
      problems.push(`\`lrp.composite\` must be one of ${LRP_COMPOSITES.join(', ')} or a layer map; got ${JSON.stringify(composite)}.`);
    else rules = Object.values(compositeLayerRules(composite as LrpCompositeName));
  } else if (typeof composite === 'object' && composite !== null && !Array.isArray(composite)) {
    for (const [key, rule] of Object.entries(composite)) {
      if (key !== 'first' && key !== 'convolution' && key !== 'dense')
        problems.push(`\`lrp.composite.${key}\` is not a layer type; the layer map has first, convolution and dense.`);
      else if (!LRP_RULES.includes(rule as LrpRule)) problems.push(`\`lrp.composite.${key}\` must be one of ${LRP_RULES.join(', ')}; got ${JSON.stringify(rule)}.`);
      else rules.push(rule as LrpRule);
    }
  } else problems.push(`\`lrp.composite\` must be one of ${LRP_COMPOSITES.join(', ')} or a layer map { first?, convolution?, dense? }; got ${JSON.stringify(composite)}.`);
  const { gamma, low, high } = parameters;
  if (gamma !== undefined && !(typeof gamma === 'number' && Number.isFinite(gamma) && gamma >= 0))
    problems.push(`\`lrp.gamma\` must be a number >= 0; got ${JSON.stringify(gamma)}.`);
  const bound = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'number' && Number.isFinite(e)));
  if (rules.includes('z-box')) {
    if (!bound(low) || !bound(high)) problems.push(`the z-box rule needs \`lrp.low\` and \`lrp.high\` (numbers, or one per input channel); got ${JSON.stringify({ low, high })}.`);
  } else if (low !== undefined || high !== undefined) problems.push("`lrp.low` and `lrp.high` are the z-box rule's bounds, and the composite has no z-box rule.");
  return problems;
}

/** z + stabilizer * sign(z), sign(0) = 1 (Zennit's stabilize). */
function stabilized(ctx: GradientContext, z: string, epsilon = STABILIZER): string {
  const g = ctx.graph;
  return g.add('Add', [z, g.add('Where', [g.add('Less', [z, ctx.scalar(0, z)]), ctx.scalar(-epsilon, z), ctx.scalar(epsilon, z)])]);
}

/** `out` with what is known of `like` (layer copies need their inputs' shapes). */
function shaped(ctx: GradientContext, out: string, like: string): string {
  ctx.graph.setInfo(out, ctx.graph.info(like));
  return out;
}

/** max(t, 0) or min(t, 0). */
function part(ctx: GradientContext, t: string, sign: 1 | -1): string {
  const g = ctx.graph;
  return shaped(ctx, g.add(sign > 0 ? 'Max' : 'Min', [t, ctx.scalar(0, t)]), t);
}

/** A layer's input, weights (BatchNorm folded in), bias, output, and the gradient w.r.t. its input of any dy. */
interface Layer {
  readonly x: string;
  readonly w: string;
  readonly b?: string;
  readonly z: string;
  readonly backward: (dy: string) => string;
}

/**
 * A copy of the node that reads other data, weight (and bias) inputs: its output z, and the gradient
 * w.r.t. its data input of any dy, from the node's own rule run on the copy.
 */
function layerCopy(ctx: GradientContext, inputs: readonly string[]): { z: string; backward: (dy: string) => string } {
  const g = ctx.graph;
  const node = ctx.node;
  const z = g.uniqueName(`ad/lrp_${node.opType}`);
  const copy: NodeProto = create(NodeProtoSchema, {
    opType: node.opType,
    input: [...inputs],
    output: [z],
    name: g.uniqueName('ad/lrp_layer'),
    attribute: [...(node.attribute ?? [])],
  });
  g.appendNode(copy);
  g.setInfo(z, g.info(ctx.output(0)));
  const inner = new GradientContext(g, copy, (name) => name === inputs[0], ctx.options);
  return { z, backward: (dy) => gradientRules[node.opType ?? '']!.backward(inner, [dy])[0]! };
}

/** The layer run on other inputs: (data, weights, bias?) -> its output and input gradient. */
function run(ctx: GradientContext, x: string, w: string, b?: string) {
  return layerCopy(ctx, b ? [x, w, b] : [x, w]);
}

/**
 * BatchNormalization in inference mode that is the only reader of a Conv's or Gemm's output, by that
 * output: Zennit's canonizers merge it into the layer, so the rules see the folded weights and bias.
 */
function foldableBatchNorms(nodes: readonly NodeProto[]): Map<string, NodeProto> {
  const readers = new Map<string, number>();
  for (const n of nodes) for (const i of n.input ?? []) readers.set(i, (readers.get(i) ?? 0) + 1);
  const producers = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) producers.set(o, n);
  const folds = new Map<string, NodeProto>();
  for (const bn of nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.domain || (bn.input?.length ?? 0) < 5 || (bn.output?.length ?? 0) > 1) continue;
    const attrs = new NodeAttributes(bn);
    if (attrs.int('training_mode', 0) !== 0) continue;
    const y = bn.input![0]!;
    const layer = producers.get(y);
    if (!layer || readers.get(y) !== 1 || layer.domain) continue;
    const la = new NodeAttributes(layer);
    const plainGemm = layer.opType === 'Gemm' && la.float('alpha', 1) === 1 && la.float('beta', 1) === 1 && la.int('transA', 0) === 0;
    if (layer.opType === 'Conv' || plainGemm) folds.set(y, bn);
  }
  return folds;
}

/** The node's layer, with the BatchNorm that follows it folded in when there is one. */
function layerOf(ctx: GradientContext, folds: Map<string, NodeProto>): Layer {
  const g = ctx.graph;
  const [x, w, b] = [ctx.input(0), ctx.input(1), ctx.input(2) || undefined];
  const plain = gradientRules[ctx.node.opType ?? '']!;
  const bn = folds.get(ctx.output(0));
  if (!bn) return { x, w, b, z: ctx.output(0), backward: (dy) => plain.backward(ctx, [dy])[0]! };
  const [, scale, shift, mean, variance] = bn.input! as [string, string, string, string, string];
  const epsilon = new NodeAttributes(bn).float('epsilon', 1e-5);
  const key = `lrp-fold|${ctx.output(0)}`;
  // s = scale / sqrt(var + eps); W' = W * s on the output-channel axis; b' = (b - mean) * s + shift.
  const s = g.cached(`${key}|s`, () => g.add('Div', [scale, g.add('Sqrt', [g.add('Add', [variance, ctx.scalar(epsilon, variance)])])]));
  const rank = ctx.rank(w);
  const outAxis = ctx.node.opType === 'Gemm' && new NodeAttributes(ctx.node).int('transB', 0) === 0 ? 1 : 0;
  const perAxis = g.cached(`${key}|sw`, () => g.add('Reshape', [s, g.int64s(Array.from({ length: rank }, (_, i) => (i === outAxis ? -1 : 1)))]));
  const wf = shaped(
    ctx,
    g.cached(`${key}|w`, () => g.add('Mul', [w, perAxis])),
    w,
  );
  const centred = b ? g.add('Sub', [b, mean]) : g.add('Neg', [mean]);
  const bf = shaped(
    ctx,
    g.cached(`${key}|b`, () => g.add('Add', [g.add('Mul', [centred, s]), shift])),
    scale,
  );
  const folded = run(ctx, x, wf, bf);
  return { x, w: wf, b: bf, z: bn.output![0]!, backward: folded.backward };
}

type LayerRule = (ctx: GradientContext, dy: string, layer: Layer, parameters: LrpParameters) => string;

/** Zennit's Epsilon: x * grad(R / stabilize(z, epsilon)). */
const epsilonRule: LayerRule = (ctx, dy, layer, { epsilon = 1e-6 }) => {
  const g = ctx.graph;
  return g.add('Mul', [layer.backward(g.add('Div', [dy, stabilized(ctx, layer.z, epsilon)])), layer.x]);
};

/**
 * Zennit's AlphaBeta: alpha times the positive contributions' relevance (positive weights and bias on
 * positive inputs, negative weights on negative inputs) minus beta times the negative ones'.
 * alpha 1, beta 0 is ZPlus.
 */
function alphaBeta(alpha: number, beta: number): LayerRule {
  return (ctx, dy, { x, w, b }) => {
    const g = ctx.graph;
    const [xp, xn, wp, wn] = [part(ctx, x, 1), part(ctx, x, -1), part(ctx, w, 1), part(ctx, w, -1)];
    const share = (wOnPositive: string, wOnNegative: string, bias: string | undefined) => {
      const onPositive = run(ctx, xp, wOnPositive, bias);
      const onNegative = run(ctx, xn, wOnNegative);
      const s = g.add('Div', [dy, stabilized(ctx, g.add('Add', [onPositive.z, onNegative.z]))]);
      return g.add('Add', [g.add('Mul', [xp, onPositive.backward(s)]), g.add('Mul', [xn, onNegative.backward(s)])]);
    };
    const positive = share(wp, wn, b && part(ctx, b, 1));
    const scaled = alpha === 1 ? positive : g.add('Mul', [positive, ctx.scalar(alpha, x)]);
    if (beta === 0) return scaled;
    return g.add('Sub', [scaled, g.add('Mul', [share(wn, wp, b && part(ctx, b, -1)), ctx.scalar(beta, x)])]);
  };
}

/**
 * Zennit's (generalised) Gamma: where z > 0, the positive contributions with weights w + gamma * w+
 * (and w + gamma * w- on negative inputs); where z < 0, the negative ones likewise.
 */
const gammaRule: LayerRule = (ctx, dy, { x, w, b, z }, { gamma = 0.25 }) => {
  const g = ctx.graph;
  const boosted = (t: string, sign: 1 | -1) => shaped(ctx, g.add('Add', [t, g.add('Mul', [part(ctx, t, sign), ctx.scalar(gamma, t)])]), t);
  const [xp, xn, wUp, wDown] = [part(ctx, x, 1), part(ctx, x, -1), boosted(w, 1), boosted(w, -1)];
  const share = (sign: 1 | -1) => {
    const onPositive = run(ctx, xp, sign > 0 ? wUp : wDown, b && boosted(b, sign));
    const onNegative = run(ctx, xn, sign > 0 ? wDown : wUp);
    const where = g.add(sign > 0 ? 'Greater' : 'Less', [z, ctx.scalar(0, z)]);
    const s = g.add('Div', [ctx.masked(dy, where), stabilized(ctx, g.add('Add', [onPositive.z, onNegative.z]))]);
    return g.add('Add', [g.add('Mul', [xp, onPositive.backward(s)]), g.add('Mul', [xn, onNegative.backward(s)])]);
  };
  return g.add('Add', [share(1), share(-1)]);
};

/** Inputs all ones, of x's shape. */
function ones(ctx: GradientContext, x: string): string {
  const g = ctx.graph;
  return shaped(ctx, g.add('Add', [g.add('Mul', [x, ctx.scalar(0, x)]), ctx.scalar(1, x)]), x);
}

/** Zennit's WSquare: inputs ones, weights and bias squared; the relevance is grad(R / z) itself. */
const wSquareRule: LayerRule = (ctx, dy, { x, w, b }) => {
  const g = ctx.graph;
  const square = (t: string) => shaped(ctx, g.add('Mul', [t, t]), t);
  const layer = run(ctx, ones(ctx, x), square(w), b && square(b));
  return layer.backward(g.add('Div', [dy, stabilized(ctx, layer.z)]));
};

/** Zennit's Flat: inputs and weights all ones, no bias; the relevance is spread evenly over each window. */
const flatRule: LayerRule = (ctx, dy, { x, w }) => {
  const g = ctx.graph;
  const layer = run(ctx, ones(ctx, x), ones(ctx, w));
  return layer.backward(g.add('Div', [dy, stabilized(ctx, layer.z)]));
};

/** A bound as a tensor of x's shape: one value, or one per channel (axis 1). */
function boundLike(ctx: GradientContext, x: string, bound: number | readonly number[]): string {
  const g = ctx.graph;
  const values = typeof bound === 'number' ? [bound] : bound;
  const dims = typeof bound === 'number' ? [] : Array.from({ length: ctx.rank(x) }, (_, i) => (i === 1 ? values.length : 1));
  return shaped(ctx, g.add('Add', [g.add('Mul', [x, ctx.scalar(0, x)]), g.constant(values, ctx.dtype(x), dims, 'ad/lrp_bound')]), x);
}

/** Zennit's ZBox: the inputs bounded by [low, high]; z - (low's positive-weight part + high's negative-weight part). */
const zBoxRule: LayerRule = (ctx, dy, { x, w, b, z, backward }, { low = 0, high = 0 }) => {
  const g = ctx.graph;
  const [l, h] = [boundLike(ctx, x, low), boundLike(ctx, x, high)];
  const lower = run(ctx, l, part(ctx, w, 1), b && part(ctx, b, 1));
  const upper = run(ctx, h, part(ctx, w, -1), b && part(ctx, b, -1));
  const s = g.add('Div', [dy, stabilized(ctx, g.add('Sub', [z, g.add('Add', [lower.z, upper.z])]))]);
  const taken = g.add('Add', [g.add('Mul', [l, lower.backward(s)]), g.add('Mul', [h, upper.backward(s)])]);
  return g.add('Sub', [g.add('Mul', [x, backward(s)]), taken]);
};

const LAYER_RULES: Readonly<Record<LrpRule, LayerRule>> = {
  epsilon: epsilonRule,
  gamma: gammaRule,
  'alpha2-beta1': alphaBeta(2, 1),
  'alpha1-beta0': alphaBeta(1, 0),
  'z-plus': alphaBeta(1, 0),
  'w-square': wSquareRule,
  flat: flatRule,
  'z-box': zBoxRule,
};

/** Zennit's Norm (average pools): x * grad(R / stabilize(z)) through the op's own gradient. */
const norm: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const grads = gradientRules[ctx.node.opType ?? '']!.backward(ctx, [g.add('Div', [dy, stabilized(ctx, ctx.output(0))])]);
    return grads.map((grad, i) => (grad === undefined || i > 0 ? undefined : g.add('Mul', [grad, ctx.input(0)])));
  },
};

const pass: GradientRule = { backward: (_ctx, [dy]) => [dy] };

/**
 * The rules of a composite, by op type, as Zennit's composites assign them per module: the first
 * layer's rule on the first Conv (or Conv/Gemm/MatMul) in graph order, the convolution rule on the
 * other Conv and ConvTranspose nodes, the dense rule on Gemm and MatMul, Norm on average pools,
 * relevance passed through activations and BatchNormalization. A BatchNormalization that is the only
 * reader of a Conv's or Gemm's output is folded into that layer first (Zennit's MergeBatchNorm
 * canonizer), so the layer's rule sees the folded weights. Every other op (MaxPool, ReduceMean, Add,
 * Flatten...) keeps its gradient, as an op without a Zennit rule does.
 */
export function compositeRules(composite: LrpComposite, parameters: LrpParameters = {}): Record<string, GradientRule> {
  const resolved = resolve(composite);
  // Read at the first backward call, before any gradient node exists.
  let first: NodeProto | undefined;
  let folds: Map<string, NodeProto> | undefined;
  const ruleOf = (ctx: GradientContext): LrpRule => {
    first ??= ctx.graph.nodes.find((n) => resolved.firstAmong.includes(n.opType ?? '') && !n.domain);
    if (resolved.first && first === ctx.node) return resolved.first;
    return CONVOLUTIONS.includes(ctx.node.opType ?? '') ? resolved.convolution : resolved.dense;
  };
  const set: Record<string, GradientRule> = {};
  for (const op of LINEAR_OPS) {
    const plain = gradientRules[op];
    if (!plain) continue;
    set[op] = {
      differentiable: plain.differentiable,
      constant: plain.constant,
      check: plain.check,
      backward: (ctx, [dy]) => {
        if (dy === undefined) return [];
        folds ??= foldableBatchNorms(ctx.graph.nodes);
        return [LAYER_RULES[ruleOf(ctx)](ctx, dy, layerOf(ctx, folds), parameters)];
      },
    };
  }
  for (const op of ['AveragePool', 'GlobalAveragePool']) set[op] = { ...gradientRules[op], backward: norm.backward };
  for (const op of [...ACTIVATIONS, 'BatchNormalization']) if (gradientRules[op]) set[op] = { ...gradientRules[op], backward: pass.backward };
  return set;
}
