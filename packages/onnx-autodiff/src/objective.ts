import { reduceSum } from './emit.js';
import { GradientSpecError } from './errors.js';
import type { ModelGraph } from './model-graph.js';
import { DataType } from './proto.js';

export type ObjectiveKind = 'logit' | 'probability' | 'log-probability';

export interface TargetObjectiveOptions {
  /** The tensor holding the class scores, e.g. the logits output [B, classes]. */
  readonly logits: string;
  /** What is differentiated: the raw logit (default), the softmax probability, or its log. */
  readonly kind?: ObjectiveKind;
  /** The class axis. Default -1. */
  readonly axis?: number;
  /**
   * Name of a new float input shaped like the logits that weights each class, e.g. a one-hot target per
   * example. Fed at run time, so one extended graph serves every target. Default 'target_weights'.
   */
  readonly targetInput?: string;
}

export interface TargetObjective {
  /** The objective per example: sum over classes of weight * score, shape of the logits without the class axis. */
  readonly objective: string;
  /** The input to feed with the class weights. */
  readonly targetInput: string;
}

/**
 * Appends an objective on top of the logits: optionally Softmax or LogSoftmax, times a runtime
 * class-weight input, summed over the class axis. Differentiate `objective` without a seed: the sum over
 * the batch leaves each example's gradient its own.
 */
export function appendTargetObjective(graph: ModelGraph, options: TargetObjectiveOptions): TargetObjective {
  const { logits, kind = 'logit', axis = -1, targetInput = 'target_weights' } = options;
  graph.require(logits, 'logits');
  if (kind !== 'logit' && kind !== 'probability' && kind !== 'log-probability') {
    throw new GradientSpecError([`Unknown objective kind '${String(kind)}': use 'logit', 'probability' or 'log-probability'.`]);
  }
  const info = graph.info(logits);
  const input = graph.addInput(targetInput, info.dtype ?? DataType.FLOAT, info.shape ?? []);
  const scores = kind === 'probability' ? graph.add('Softmax', [logits], { axis }) : kind === 'log-probability' ? graph.add('LogSoftmax', [logits], { axis }) : logits;
  const objective = reduceSum(graph, graph.add('Mul', [scores, input]), [axis], false);
  return { objective, targetInput: input };
}
