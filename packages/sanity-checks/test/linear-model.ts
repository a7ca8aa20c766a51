import type { Layout, Model, ModelOutputs, ModelRequest, OutputName } from '@salience/core';
import { checkInput, objectiveAndLogitGradient, rowTargets } from '@salience/core';

/**
 * logits = W x + b, for examples of any shape (W is [classes, elements of one example]): every
 * metric has a closed form on it. Counts calls and the largest batch.
 */
export class LinearModel implements Model {
  readonly capabilities: ReadonlySet<OutputName> = new Set<OutputName>(['logits', 'inputGradients']);
  readonly inputShape: readonly (number | null)[];
  calls = 0;
  largestBatch = 0;
  readonly size: number;

  constructor(
    readonly layout: Layout,
    exampleShape: readonly number[],
    readonly W: Float64Array,
    readonly b: Float64Array,
  ) {
    this.inputShape = [null, ...exampleShape];
    this.size = exampleShape.reduce((a, c) => a * c, 1);
  }

  get classes(): number {
    return this.b.length;
  }

  layers() {
    return [];
  }

  logitsOf(x: ArrayLike<number>, offset = 0): Float64Array {
    return Float64Array.from(this.b, (bias, c) => {
      let s = bias;
      for (let i = 0; i < this.size; i++) s += this.W[c * this.size + i]! * x[offset + i]!;
      return s;
    });
  }

  async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
    checkInput(this, request.input);
    const rows = request.input.shape[0]!;
    this.calls++;
    this.largestBatch = Math.max(this.largestBatch, rows);
    const logits = new Float32Array(rows * this.classes);
    for (let r = 0; r < rows; r++) logits.set(this.logitsOf(request.input.data, r * this.size), r * this.classes);
    const out: Partial<ModelOutputs> = { logits: { data: logits, shape: [rows, this.classes] } };
    if (request.outputs.includes('inputGradients' as K)) {
      const logitTensor = { data: logits, shape: [rows, this.classes] };
      const targets = rowTargets(request.target, rows, logitTensor);
      const { gradient } = objectiveAndLogitGradient(logitTensor, targets, request.objective);
      const grads = new Float32Array(rows * this.size);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < this.size; i++) {
          let s = 0;
          for (let c = 0; c < this.classes; c++) s += gradient[r * this.classes + c]! * this.W[c * this.size + i]!;
          grads[r * this.size + i] = s;
        }
      }
      out.inputGradients = { data: grads, shape: [...request.input.shape] };
    }
    return out as Pick<ModelOutputs, K>;
  }

  dispose(): void {}
}

/** A linear model with seeded weights in [-1, 1). */
export function linearModel(layout: Layout, exampleShape: readonly number[], classes: number, seed = 1): LinearModel {
  const size = exampleShape.reduce((a, c) => a * c, 1);
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
  return new LinearModel(layout, exampleShape, Float64Array.from({ length: classes * size }, next), Float64Array.from({ length: classes }, next));
}
