import { type GradientContext, type GradientRule, RuleLimitation } from '../rule.js';

/** A rule for y = f(x), elementwise: dx = grad(ctx, dy, x, y). */
function unary(grad: (ctx: GradientContext, dy: string, x: string, y: string) => string, constant?: number[]): GradientRule {
  return {
    constant,
    backward(ctx, [dy]) {
      return [dy === undefined ? undefined : grad(ctx, dy, ctx.input(0), ctx.output(0))];
    },
  };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export const elementwiseRules: Record<string, GradientRule> = {
  Identity: unary((_, dy) => dy),
  // Inference-mode Dropout is the identity; its ratio and training_mode inputs have no gradient.
  Dropout: {
    constant: [1, 2],
    check(ctx) {
      const training = ctx.values(2);
      if (training?.[0]) throw new RuleLimitation('training_mode=true is not supported (inference only)');
    },
    backward: (_, [dy]) => [dy],
  },
  Relu: unary((ctx, dy, _x, y) => {
    const g = ctx.graph;
    return ctx.masked(dy, g.add('Greater', [y, ctx.scalar(0, y)]));
  }),
  LeakyRelu: unary((ctx, dy, x) => {
    const g = ctx.graph;
    const alpha = ctx.attrs.float('alpha', 0.01);
    return g.add('Where', [g.add('Greater', [x, ctx.scalar(0, x)]), dy, g.add('Mul', [dy, ctx.scalar(alpha, x)])]);
  }),
  Sigmoid: unary((ctx, dy, _x, y) => {
    const g = ctx.graph;
    return g.add('Mul', [dy, g.add('Mul', [y, g.add('Sub', [ctx.scalar(1, y), y])])]);
  }),
  Tanh: unary((ctx, dy, _x, y) => {
    const g = ctx.graph;
    return g.add('Mul', [dy, g.add('Sub', [ctx.scalar(1, y), g.add('Mul', [y, y])])]);
  }),
  Erf: unary((ctx, dy, x) => {
    const g = ctx.graph;
    const gauss = g.add('Exp', [g.add('Neg', [g.add('Mul', [x, x])])]);
    return g.add('Mul', [dy, g.add('Mul', [gauss, ctx.scalar(TWO_OVER_SQRT_PI, x)])]);
  }),
  Sqrt: unary((ctx, dy, _x, y) => ctx.graph.add('Div', [ctx.graph.add('Mul', [dy, ctx.scalar(0.5, y)]), y])),
  Exp: unary((ctx, dy, _x, y) => ctx.graph.add('Mul', [dy, y])),
  Log: unary((ctx, dy, x) => ctx.graph.add('Div', [dy, x])),
  Neg: unary((ctx, dy) => ctx.graph.add('Neg', [dy])),
  Abs: unary((ctx, dy, x) => ctx.graph.add('Mul', [dy, ctx.graph.add('Sign', [x])])),
  Reciprocal: unary((ctx, dy, _x, y) => {
    const g = ctx.graph;
    return g.add('Neg', [g.add('Mul', [dy, g.add('Mul', [y, y])])]);
  }),
  Sin: unary((ctx, dy, x) => ctx.graph.add('Mul', [dy, ctx.graph.add('Cos', [x])])),
  Cos: unary((ctx, dy, x) => ctx.graph.add('Neg', [ctx.graph.add('Mul', [dy, ctx.graph.add('Sin', [x])])])),
  Softplus: unary((ctx, dy, x) => ctx.graph.add('Mul', [dy, ctx.graph.add('Sigmoid', [x])])),
  Elu: unary((ctx, dy, x, y) => {
    const g = ctx.graph;
    const alpha = ctx.attrs.float('alpha', 1);
    const negative = g.add('Mul', [dy, g.add('Add', [y, ctx.scalar(alpha, y)])]);
    return g.add('Where', [g.add('Greater', [x, ctx.scalar(0, x)]), dy, negative]);
  }),
  HardSigmoid: unary((ctx, dy, x) => {
    const g = ctx.graph;
    const alpha = ctx.attrs.float('alpha', 0.2);
    const beta = ctx.attrs.float('beta', 0.5);
    const t = g.add('Add', [g.add('Mul', [x, ctx.scalar(alpha, x)]), ctx.scalar(beta, x)]);
    const inside = g.add('And', [g.add('Greater', [t, ctx.scalar(0, x)]), g.add('Less', [t, ctx.scalar(1, x)])]);
    return ctx.masked(g.add('Mul', [dy, ctx.scalar(alpha, x)]), inside);
  }),
  // y = x * clip(x/6 + 1/2, 0, 1): 0 up to -3, 1 from 3 on, x/3 + 1/2 strictly between (PyTorch 2.x at -3 and 3).
  HardSwish: unary((ctx, dy, x) => {
    const g = ctx.graph;
    const middle = g.add('Mul', [dy, g.add('Add', [g.add('Mul', [x, ctx.scalar(1 / 3, x)]), ctx.scalar(0.5, x)])]);
    const upper = g.add('Where', [g.add('Less', [x, ctx.scalar(3, x)]), middle, dy]);
    return g.add('Where', [g.add('Greater', [x, ctx.scalar(-3, x)]), upper, ctx.scalar(0, x)]);
  }),
  Gelu: unary((ctx, dy, x) => {
    const g = ctx.graph;
    const approximate = ctx.attrs.string('approximate', 'none');
    const s = (v: number) => ctx.scalar(v, x);
    if (approximate === 'tanh') {
      // y = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3)
      const x2 = g.add('Mul', [x, x]);
      const u = g.add('Mul', [g.add('Mul', [x, g.add('Add', [s(1), g.add('Mul', [x2, s(0.044715)])])]), s(SQRT_2_OVER_PI)]);
      const t = g.add('Tanh', [u]);
      const du = g.add('Mul', [g.add('Add', [s(1), g.add('Mul', [x2, s(3 * 0.044715)])]), s(SQRT_2_OVER_PI)]);
      const left = g.add('Mul', [g.add('Add', [s(1), t]), s(0.5)]);
      const right = g.add('Mul', [g.add('Mul', [g.add('Mul', [x, s(0.5)]), g.add('Sub', [s(1), g.add('Mul', [t, t])])]), du]);
      return g.add('Mul', [dy, g.add('Add', [left, right])]);
    }
    // y = x Phi(x): dy/dx = Phi(x) + x phi(x)
    const cdf = g.add('Mul', [g.add('Add', [s(1), g.add('Erf', [g.add('Mul', [x, s(Math.SQRT1_2)])])]), s(0.5)]);
    const pdf = g.add('Mul', [g.add('Exp', [g.add('Mul', [g.add('Mul', [x, x]), s(-0.5)])]), s(ONE_OVER_SQRT_2PI)]);
    return g.add('Mul', [dy, g.add('Add', [cdf, g.add('Mul', [x, pdf])])]);
  }),
  // Only float-to-float casts carry a gradient; the others never lie on a differentiated path.
  Cast: unary((ctx, dy, x) => ctx.graph.add('Cast', [dy], { to: ctx.dtype(x) })),
  // At the bounds: 0 by default, as relu6 and hardtanh (PyTorch); 1 with clipBounds 'inclusive', as torch.clamp.
  Clip: {
    differentiable: [0],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      const g = ctx.graph;
      const x = ctx.input(0);
      const conditions: string[] = [];
      if (ctx.options.clipBounds === 'inclusive') {
        // GreaterOrEqual / LessOrEqual exist from opset 12 on; Not(Less) / Not(Greater) everywhere.
        if (ctx.input(1)) conditions.push(g.add('Not', [g.add('Less', [x, ctx.input(1)])]));
        if (ctx.input(2)) conditions.push(g.add('Not', [g.add('Greater', [x, ctx.input(2)])]));
      } else {
        if (ctx.input(1)) conditions.push(g.add('Greater', [x, ctx.input(1)]));
        if (ctx.input(2)) conditions.push(g.add('Less', [x, ctx.input(2)]));
      }
      if (conditions.length === 0) return [dy];
      const inside = (conditions.length === 2 ? g.add('And', conditions) : conditions[0])!;
      return [ctx.masked(dy, inside)];
    },
  },
};
