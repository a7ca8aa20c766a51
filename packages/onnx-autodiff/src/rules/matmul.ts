import { reduceToShapeOf } from '../broadcast.js';
import { reduceSum, unsqueeze } from '../emit.js';
import type { GradientContext, GradientRule } from '../rule.js';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

const gemm: GradientRule = {
  differentiable: [0, 1, 2],
  backward(ctx, [dy]) {
    if (dy === undefined) return [];
    const g = ctx.graph;
    const [a, b, c] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    const alpha = ctx.attrs.float('alpha', 1);
    const beta = ctx.attrs.float('beta', 1);
    const transA = ctx.attrs.int('transA', 0);
    const transB = ctx.attrs.int('transB', 0);
    // With A' = op(A), B' = op(B): dA' = alpha dY B'^T and dB' = alpha A'^T dY, each written as one Gemm.
    const da = !ctx.needs(0) ? undefined : transA ? g.add('Gemm', [b, dy], { alpha, transA: transB, transB: 1 }) : g.add('Gemm', [dy, b], { alpha, transB: transB ? 0 : 1 });
    const db = !ctx.needs(1) ? undefined : transB ? g.add('Gemm', [dy, a], { alpha, transA: 1, transB: transA }) : g.add('Gemm', [a, dy], { alpha, transA: transA ? 0 : 1 });
    let dc: string | undefined;
    if (c && ctx.needs(2)) {
      const scaled = beta === 1 ? dy : g.add('Mul', [dy, ctx.scalar(beta, dy)]);
      g.setInfo(scaled, ctx.info(ctx.output(0)));
      dc = reduceToShapeOf(g, scaled, c);
    }
    return [da, db, dc];
  },
};

/** One operand's gradient of a (batched, broadcasting) MatMul. */
function matmulOperand(ctx: GradientContext, dy: string, which: 0 | 1): string {
  const g = ctx.graph;
  const [a, b] = [ctx.input(0), ctx.input(1)];
  const rankA = ctx.rank(a);
  const rankB = ctx.rank(b);
  const rankY = ctx.rank(ctx.output(0));
  // Promote 1-D operands as MatMul does ([K] -> [1,K] for A, [K,1] for B) and give dY the removed dims back.
  let dy2 = dy;
  if (rankA === 1) dy2 = unsqueeze(g, dy2, [rankB === 1 ? 0 : rankY - 1]);
  if (rankB === 1) dy2 = unsqueeze(g, dy2, [rankA === 1 ? 1 : rankY]);
  const a2 = rankA === 1 ? unsqueeze(g, a, [0]) : a;
  const b2 = rankB === 1 ? unsqueeze(g, b, [1]) : b;
  const rA = Math.max(rankA, 2);
  const rB = Math.max(rankB, 2);
  const n = ctx.staticShape(b)?.[1];
  if (which === 0 && rankB === 2 && rankA >= 2 && n !== undefined) {
    // dA = dY B^T as one Gemm with transB on dY flattened to 2-D: the weight is read as it is, where a
    // Transpose of it would be constant-folded by the runtime into a second copy of every weight
    // (seconds of session creation and twice the memory for a transformer).
    const flat = g.add('Reshape', [dy, g.int64s([-1, n])]);
    return g.add('Reshape', [g.add('Gemm', [flat, b], { transB: 1 }), g.shapeOf(a)]);
  }
  let full: string;
  if (which === 0) {
    const bT = g.add('Transpose', [b2], { perm: swapLastTwo(rB) });
    full = g.add('MatMul', [dy2, bT]);
  } else {
    const aT = g.add('Transpose', [a2], { perm: swapLastTwo(rA) });
    full = g.add('MatMul', [aT, dy2]);
  }
  const operand = which === 0 ? a : b;
  const rankOperand = which === 0 ? rankA : rankB;
  const rankFull = Math.max(rA, rB);
  if (rankOperand === 1) {
    // [..., 1, K] or [..., K, 1]: sum every batch axis, drop the promoted one.
    const axes = Array.from({ length: rankFull - 2 }, (_, i) => i);
    const summed = reduceSum(g, full, axes, false);
    return g.add('Reshape', [summed, g.shapeOf(operand)]);
  }
  g.setInfo(full, { dtype: ctx.dtype(operand), shape: ctx.info(ctx.output(0)).shape?.length === rankFull ? batchShape(ctx, operand, rankFull) : undefined });
  return reduceToShapeOf(g, full, operand);
}

/** The shape of the unreduced operand gradient: the output's batch dims and the operand's matrix dims. */
function batchShape(ctx: GradientContext, operand: string, rank: number) {
  const y = ctx.info(ctx.output(0)).shape!;
  const own = ctx.info(operand).shape!;
  return [...y.slice(0, rank - 2), ...own.slice(own.length - 2)];
}

export const matmulRules: Record<string, GradientRule> = {
  Gemm: gemm,
  MatMul: {
    differentiable: [0, 1],
    backward(ctx, [dy]) {
      if (dy === undefined) return [];
      return [ctx.needs(0) ? matmulOperand(ctx, dy, 0) : undefined, ctx.needs(1) ? matmulOperand(ctx, dy, 1) : undefined];
    },
  },
};
