import { reduceToShapeOf } from '../broadcast.js';
import type { GradientContext, GradientRule } from '../rule.js';

/** The gradient of a broadcasting operand: the output-shaped term summed back to the operand's shape. */
function toOperand(ctx: GradientContext, term: string, operand: number, operands?: readonly number[]): string {
  const g = ctx.graph;
  g.setInfo(term, { dtype: ctx.dtype(ctx.output(0)), shape: ctx.info(ctx.output(0)).shape });
  const all = operands ?? Array.from({ length: ctx.inputCount }, (_, i) => i);
  const peers = all.filter((i) => i !== operand && ctx.input(i) !== '').map((i) => ctx.input(i));
  return reduceToShapeOf(g, term, ctx.input(operand), peers);
}

/** Max / Min of several inputs: dy goes to the inputs equal to the result, split evenly among them. */
function tiedExtremum(): GradientRule {
  return {
    differentiable: 'all',
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      const g = ctx.graph;
      const y = ctx.output(0);
      const inputs = Array.from({ length: ctx.inputCount }, (_, i) => ctx.input(i));
      if (inputs.length === 1) return [dy];
      const hits = inputs.map((x) => g.add('Cast', [g.add('Equal', [x, y])], { to: ctx.dtype(y) }));
      const count = g.add('Sum', hits);
      const share = g.add('Div', [dy, count]);
      return inputs.map((_, i) => (ctx.needs(i) ? toOperand(ctx, g.add('Mul', [share, hits[i]!]), i) : undefined));
    },
  };
}

export const arithmeticRules: Record<string, GradientRule> = {
  Add: {
    differentiable: [0, 1],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      return [0, 1].map((i) => (ctx.needs(i) ? toOperand(ctx, dy, i) : undefined));
    },
  },
  Sub: {
    differentiable: [0, 1],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      return [ctx.needs(0) ? toOperand(ctx, dy, 0) : undefined, ctx.needs(1) ? toOperand(ctx, ctx.graph.add('Neg', [dy]), 1) : undefined];
    },
  },
  Sum: {
    differentiable: 'all',
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      return Array.from({ length: ctx.inputCount }, (_, i) => (ctx.needs(i) ? toOperand(ctx, dy, i) : undefined));
    },
  },
  Mul: {
    differentiable: [0, 1],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      const g = ctx.graph;
      const [a, b] = [ctx.input(0), ctx.input(1)];
      return [ctx.needs(0) ? toOperand(ctx, g.add('Mul', [dy, b]), 0) : undefined, ctx.needs(1) ? toOperand(ctx, g.add('Mul', [dy, a]), 1) : undefined];
    },
  },
  Div: {
    differentiable: [0, 1],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      const g = ctx.graph;
      const b = ctx.input(1);
      // d(a/b)/db = -a/b^2 = -y/b
      return [
        ctx.needs(0) ? toOperand(ctx, g.add('Div', [dy, b]), 0) : undefined,
        ctx.needs(1) ? toOperand(ctx, g.add('Neg', [g.add('Div', [g.add('Mul', [dy, ctx.output(0)]), b])]), 1) : undefined,
      ];
    },
  },
  Pow: {
    differentiable: [0, 1],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      const g = ctx.graph;
      const [a, b, y] = [ctx.input(0), ctx.input(1), ctx.output(0)];
      let da: string | undefined;
      if (ctx.needs(0)) {
        const known = ctx.values(1);
        if (known && known.length === 1) {
          const e = known[0]!;
          const slope = e === 1 ? ctx.scalar(1, a) : e === 2 ? g.add('Mul', [a, ctx.scalar(2, a)]) : g.add('Mul', [g.add('Pow', [a, ctx.scalar(e - 1, a)]), ctx.scalar(e, a)]);
          da = toOperand(ctx, g.add('Mul', [dy, slope]), 0);
        } else {
          const exponent = ctx.dtype(b) === ctx.dtype(a) ? b : g.add('Cast', [b], { to: ctx.dtype(a) });
          const slope = g.add('Mul', [exponent, g.add('Pow', [a, g.add('Sub', [exponent, ctx.scalar(1, a)])])]);
          da = toOperand(ctx, g.add('Mul', [dy, slope]), 0);
        }
      }
      // d(a^b)/db = a^b ln a
      const db = ctx.needs(1) ? toOperand(ctx, g.add('Mul', [dy, g.add('Mul', [y, g.add('Log', [a])])]), 1) : undefined;
      return [da, db];
    },
  },
  Where: {
    differentiable: [1, 2],
    constant: [0],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      const g = ctx.graph;
      const cond = ctx.input(0);
      const zero = ctx.scalar(0, ctx.output(0));
      return [
        undefined,
        ctx.needs(1) ? toOperand(ctx, g.add('Where', [cond, dy, zero]), 1) : undefined,
        ctx.needs(2) ? toOperand(ctx, g.add('Where', [cond, zero, dy]), 2) : undefined,
      ];
    },
  },
  // Ties share the gradient equally (torch.maximum / torch.minimum give each of two equal inputs half).
  Max: tiedExtremum(),
  Min: tiedExtremum(),
  Expand: {
    constant: [1],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      return [toOperand(ctx, dy, 0, [0])];
    },
  },
};
