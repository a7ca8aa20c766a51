import { GradientSpecError } from './errors.js';
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
}

/** Captum's threshold below which the rescale rule falls back to the gradient. */
const RESCALE_EPS = 1e-10;

/** Ops the rescale rule replaces (Captum's SUPPORTED_NON_LINEAR, less Softmax). */
export const RESCALE_OPS: readonly string[] = ['Relu', 'LeakyRelu', 'Elu', 'Sigmoid', 'Tanh', 'MaxPool'];

/** The problems of a ModifiedRules value (empty when valid). */
export function modifiedRuleProblems(rules: unknown): string[] {
  if (rules === undefined) return [];
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) return ['`modifiedRules` must be an object { relu?, rescale? }.'];
  const problems: string[] = [];
  const { relu, rescale, ...rest } = rules as Record<string, unknown>;
  for (const key of Object.keys(rest)) problems.push(`\`modifiedRules.${key}\` is not a rule; the rules are relu ('guided' | 'deconvnet') and rescale (true).`);
  if (relu !== undefined && relu !== 'guided' && relu !== 'deconvnet') problems.push(`\`modifiedRules.relu\` must be 'guided' or 'deconvnet', got ${JSON.stringify(relu)}.`);
  if (rescale !== undefined && typeof rescale !== 'boolean') problems.push(`\`modifiedRules.rescale\` must be a boolean, got ${JSON.stringify(rescale)}.`);
  if (relu !== undefined && rescale === true) problems.push('`modifiedRules.relu` and `modifiedRules.rescale` both replace Relu\'s rule: choose one.');
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
  if (rules?.rescale) for (const op of RESCALE_OPS) set[op] = rescale(gradientRules[op], pooled);
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
