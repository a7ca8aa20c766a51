import { GradientSpecError } from './errors.js';
import { compositeRules, type LrpComposite, type LrpParameters, lrpCompositeProblems } from './lrp-composites.js';
import type { ModelGraph } from './model-graph.js';
import { type GradientContext, type GradientRule, RuleLimitation } from './rule.js';
import { gradientRules } from './rules/index.js';

/**
 * Backward rules that replace the gradient of chosen ops: modified backpropagation (Guided
 * Backprop, Deconvnet, DeepLIFT). Plain data, so that it can be part of a cache key.
 */
export interface ModifiedRules {
  /**
   * Relu's backward: 'guided' passes only positive gradients through active units (Springenberg et
   * al., Captum's GuidedBackprop); 'deconvnet' passes positive gradients whatever the input (Zeiler &
   * Fergus, Captum's Deconvolution).
   */
  readonly relu?: 'guided' | 'deconvnet';
  /**
   * DeepLIFT's rescale rule (Shrikumar et al., as Captum's DeepLift): the batch is [inputs; baselines],
   * half each, and every Relu, LeakyRelu, Elu, Sigmoid, Tanh and MaxPool passes back
   * dy * Δout / Δin, Δ being the row minus its baseline row (the plain gradient where |Δin| < 1e-10).
   * Linear ops keep their gradient, which is already their multiplier.
   */
  readonly rescale?: boolean;
  /**
   * LRP's epsilon rule (Bach et al. 2015; Captum's LRP with its default rules): Conv, Gemm, MatMul,
   * BatchNormalization and the pooling ops (`LRP_OPS`) pass back grad(R / (z + epsilon * sign(z)))
   * (sign(0) = 1), z being the op's output, and the total gradient of every tensor they read is
   * multiplied by the tensor (relevance); Relu and Tanh pass it through unchanged; every other op
   * keeps its gradient. The gradient of a graph input read by a rule layer is left for the caller to
   * multiply by the input. Epsilon defaults to 1e-9, Captum's. With `composite`, Zennit's rules per
   * layer type instead (a named composite or a layer map, `src/lrp-composites.ts`); `epsilon` (default
   * 1e-6), `gamma`, `low` and `high` are then its rules' parameters.
   */
  readonly lrp?: LrpParameters & { readonly composite?: LrpComposite };
}

/** Captum's threshold below which the rescale rule falls back to the gradient. */
const RESCALE_EPS = 1e-10;

/** Ops that LRP's epsilon rule replaces (Captum's SUPPORTED_LAYERS_WITH_RULES, as ONNX ops). */
export const LRP_OPS: readonly string[] = ['Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'AveragePool', 'GlobalAveragePool', 'MaxPool', 'GlobalMaxPool'];

/** Activations that pass relevance through unchanged (Captum's SUPPORTED_NON_LINEAR_LAYERS). */
const LRP_PASS_OPS: readonly string[] = ['Relu', 'Tanh'];

/** Ops the rescale rule replaces (Captum's SUPPORTED_NON_LINEAR, less Softmax). */
export const RESCALE_OPS: readonly string[] = ['Relu', 'LeakyRelu', 'Elu', 'Sigmoid', 'Tanh', 'MaxPool'];

/** The problems of a ModifiedRules value (empty when valid). */
export function modifiedRuleProblems(rules: unknown): string[] {
  if (rules === undefined) return [];
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) return ['`modifiedRules` must be an object { relu?, rescale? }.'];
  const problems: string[] = [];
  const { relu, rescale, lrp, ...rest } = rules as Record<string, unknown>;
  for (const key of Object.keys(rest)) problems.push(`\`modifiedRules.${key}\` is not a rule; the rules are relu ('guided' | 'deconvnet'), rescale (true) and lrp ({ epsilon? }).`);
  if (lrp !== undefined) {
    const epsilon = typeof lrp === 'object' && lrp !== null ? (lrp as { epsilon?: unknown }).epsilon : undefined;
    const composite = typeof lrp === 'object' && lrp !== null ? (lrp as { composite?: unknown }).composite : undefined;
    if (
      typeof lrp !== 'object' ||
      lrp === null ||
      Object.keys(lrp).some((k) => !['epsilon', 'composite', 'gamma', 'low', 'high'].includes(k)) ||
      (epsilon !== undefined && !(typeof epsilon === 'number' && Number.isFinite(epsilon) && epsilon >= 0))
    ) {
      problems.push(`\`modifiedRules.lrp\` must be { epsilon?: a number >= 0, composite?, gamma?, low?, high? }, got ${JSON.stringify(lrp)}.`);
    } else if (composite !== undefined) {
      problems.push(...lrpCompositeProblems(composite, lrp as LrpParameters).map((p) => `modifiedRules: ${p}`));
    } else if (['gamma', 'low', 'high'].some((k) => k in lrp)) {
      problems.push("`modifiedRules.lrp.gamma`, `low` and `high` are parameters of a composite's rules: give `composite` too.");
    }
    if (relu !== undefined || rescale === true) problems.push('`modifiedRules.lrp` replaces the rules of every layer: give it alone.');
  }
  if (relu !== undefined && relu !== 'guided' && relu !== 'deconvnet') problems.push(`\`modifiedRules.relu\` must be 'guided' or 'deconvnet', got ${JSON.stringify(relu)}.`);
  if (rescale !== undefined && typeof rescale !== 'boolean') problems.push(`\`modifiedRules.rescale\` must be a boolean, got ${JSON.stringify(rescale)}.`);
  if (relu !== undefined && rescale === true) problems.push("`modifiedRules.relu` and `modifiedRules.rescale` both replace Relu's rule: choose one.");
  return problems;
}

/** The rules that replace the built-in ones, by op type. */
export function modifiedRuleSet(rules: ModifiedRules | undefined): Readonly<Record<string, GradientRule>> {
  const problems = modifiedRuleProblems(rules);
  if (problems.length) throw new GradientSpecError(problems);
  const set: Record<string, GradientRule> = {};
  if (rules?.relu === 'guided') set.Relu = guidedRelu;
  if (rules?.relu === 'deconvnet') set.Relu = deconvnetRelu;
  // Shared by the rules of one build: the plain gradient each MaxPool hands back, by its input.
  const pooled = new Map<string, string>();
  if (rules?.rescale) for (const op of RESCALE_OPS) set[op] = rescale(gradientRules[op]!, pooled);
  if (rules?.lrp?.composite) return compositeRules(rules.lrp.composite, rules.lrp);
  if (rules?.lrp) {
    const epsilon = rules.lrp.epsilon ?? 1e-9;
    // Forward tensors read by a rule layer, collected at the first backward call (before any gradient node exists).
    let ruleInputs: Set<string> | undefined;
    const relevanceAt = (ctx: GradientContext, dy: string): string => {
      ruleInputs ??= new Set(ctx.graph.nodes.filter((n) => LRP_OPS.includes(n.opType ?? '') && !n.domain).flatMap((n) => n.input ?? []));
      const y = ctx.output(0);
      return ruleInputs.has(y) ? ctx.graph.add('Mul', [dy, y]) : dy;
    };
    for (const [op, plain] of Object.entries(gradientRules)) {
      const inner = LRP_OPS.includes(op) ? epsilonRule(plain, epsilon) : LRP_PASS_OPS.includes(op) ? passRelevance : plain;
      set[op] = {
        differentiable: inner.differentiable,
        constant: inner.constant,
        check: inner.check,
        backward: (ctx, [dy, ...rest]) => inner.backward(ctx, [dy === undefined ? undefined : relevanceAt(ctx, dy), ...rest]),
      };
    }
  }
  return set;
}

function positive(ctx: GradientContext, dy: string): string {
  return ctx.graph.add('Relu', [dy]);
}

/** Guided Backprop: relu of the ordinary gradient (positive gradients through active units). */
const guidedRelu: GradientRule = {
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const y = ctx.output(0);
    return [ctx.masked(positive(ctx, dy), ctx.graph.add('Greater', [y, ctx.scalar(0, y)]))];
  },
};

/** Deconvnet: relu of the incoming gradient, the forward input ignored. */
const deconvnetRelu: GradientRule = {
  backward(ctx, [dy]) {
    return dy === undefined ? [] : [positive(ctx, dy)];
  },
};

/** x as [2, N]: row 0 the inputs' half of the batch, row 1 the baselines'. */
function pairs(g: ModelGraph, x: string): [string, string] {
  const flat = g.add('Reshape', [x, g.int64s([2, -1])]);
  const row = (i: number) => g.add('Slice', [flat, g.int64s([i]), g.int64s([i + 1]), g.int64s([0])]);
  return [row(0), row(1)];
}

/** A [1, N] value given to both halves, in the shape of `like`. */
function bothHalves(g: ModelGraph, v: string, like: string): string {
  return g.add('Reshape', [g.add('Concat', [v, v], { axis: 0 }), g.shapeOf(like)]);
}

/** Row minus its baseline row, for both halves (Captum's _compute_diffs). */
function pairDifference(g: ModelGraph, x: string): string {
  const [a, b] = pairs(g, x);
  return bothHalves(g, g.add('Sub', [a, b]), x);
}

/**
 * DeepLIFT's rescale rule around an op's own gradient rule: the multiplier Δout/Δin times dy where
 * Δin is not negligible, the gradient elsewhere. MaxPool (Captum's maxpool rule) routes
 * dy * Δout through each row's own window maxima, Δout taken against the elementwise max of the two
 * halves' outputs, and adds the halves. As in Captum, a nonlinearity feeding only a MaxPool
 * multiplies Δout/Δin by the pool's plain gradient (the one its hook sees), and its fallback by
 * the rescaled one.
 */
function rescale(plain: GradientRule, pooled: Map<string, string>): GradientRule {
  return {
    check(ctx) {
      plain.check?.(ctx);
      const rows = ctx.staticShape(ctx.input(0))?.[0];
      if (rows !== undefined && rows % 2 !== 0) {
        throw new RuleLimitation(`the rescale rule needs a batch of [inputs; baselines], an even number of rows; got ${rows}`);
      }
    },
    backward(ctx, outputGradients) {
      const [dy] = outputGradients;
      if (dy === undefined) return [];
      const g = ctx.graph;
      const x = ctx.input(0);
      const y = ctx.output(0);
      // Read before this rule adds nodes that use x: is this MaxPool the only consumer of its input?
      const onlyConsumer = ctx.node.opType === 'MaxPool' && g.nodes.filter((n) => n.input?.includes(x)).length === 1;
      const gradient = plain.backward(ctx, [dy])[0]!;
      const deltaIn = pairDifference(g, x);
      let scaled: string;
      if (ctx.node.opType === 'MaxPool') {
        const [a, b] = pairs(g, y);
        const top = g.add('Max', [a, b]);
        const deltaOut = g.add('Reshape', [g.add('Concat', [g.add('Sub', [top, b]), g.add('Sub', [a, top])], { axis: 0 }), g.shapeOf(y)]);
        const routed = plain.backward(ctx, [g.add('Mul', [dy, deltaOut])])[0]!;
        const [ra, rb] = pairs(g, routed);
        scaled = g.add('Div', [bothHalves(g, g.add('Add', [ra, rb]), x), deltaIn]);
        if (onlyConsumer) pooled.set(x, gradient);
      } else {
        // Captum's hooks read a module's output gradient before the next module's hook replaces it,
        // so a nonlinearity whose only consumer is a MaxPool scales the pool's plain gradient.
        scaled = g.add('Div', [g.add('Mul', [pooled.get(y) ?? dy, pairDifference(g, y)]), deltaIn]);
      }
      const flat = g.add('Less', [g.add('Abs', [deltaIn]), ctx.scalar(RESCALE_EPS, x)]);
      return [g.add('Where', [flat, gradient, scaled])];
    },
  };
}

/** Relevance passes an activation unchanged. */
const passRelevance: GradientRule = {
  backward: (_ctx, [dy]) => [dy],
};

/**
 * LRP's epsilon rule around a layer's gradient rule: grad(R_out / (z + epsilon * sign(z))). As in
 * Captum, whose hooks sit on tensors, the product with the layer's input x is taken on x's total
 * gradient, by the rule of the op that produced x (relevanceAt), or by the caller for a graph input.
 */
function epsilonRule(plain: GradientRule, epsilon: number): GradientRule {
  return {
    differentiable: plain.differentiable,
    constant: plain.constant,
    check: plain.check,
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      const g = ctx.graph;
      const z = ctx.output(0);
      const sign = g.add('Where', [g.add('Less', [z, ctx.scalar(0, z)]), ctx.scalar(-epsilon, z), ctx.scalar(epsilon, z)]);
      const normalized = g.add('Div', [dy, g.add('Add', [z, sign])]);
      return plain.backward(ctx, [normalized]);
    },
  };
}
