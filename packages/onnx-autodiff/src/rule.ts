import { NodeAttributes } from './attributes.js';
import { ShapeInferenceError } from './errors.js';
import type { ModelGraph } from './model-graph.js';
import { DataType, type NodeProto } from './proto.js';
import { isKnownNumbers, type TensorInfo } from './tensor-info.js';

/** Thrown by a rule's `check` when it cannot handle this particular node; becomes an UnsupportedOpError. */
export class RuleLimitation extends Error {}

/** Choices that change how some rules are written (not what they compute, except on exact ties). */
export interface RuleOptions {
  /**
   * Who gets a max-pool window's gradient when several elements tie for the max: 'first' (default,
   * PyTorch's rule: the first in row-major window order) or 'split' (shared equally among the tied
   * elements). Both use float ops only (no ArgMax), so both run on WebGPU.
   */
  readonly maxPoolTies?: 'first' | 'split';
  /**
   * Where Clip passes the gradient: 'exclusive' (default) strictly inside (min, max), as PyTorch's
   * relu6 and hardtanh (the usual source of an exported Clip); 'inclusive' on [min, max], as
   * torch.clamp. Both export to the same Clip, so the graph cannot tell them apart.
   */
  readonly clipBounds?: 'exclusive' | 'inclusive';
}

/** What a gradient rule sees of the node it differentiates. */
export class GradientContext {
  readonly attrs: NodeAttributes;

  constructor(
    readonly graph: ModelGraph,
    readonly node: NodeProto,
    private readonly active: (name: string) => boolean,
    readonly options: RuleOptions = {},
  ) {
    this.attrs = new NodeAttributes(node);
  }

  get opset(): number {
    return this.graph.opset;
  }

  get name(): string {
    return this.node.name || this.node.output?.[0] || this.node.opType || '';
  }

  /** Name of input i ('' when absent). */
  input(i: number): string {
    return this.node.input?.[i] ?? '';
  }

  output(i: number): string {
    return this.node.output?.[i] ?? '';
  }

  get inputCount(): number {
    return this.node.input?.length ?? 0;
  }

  /** Whether input i lies on a path from a `wrt` tensor (so its gradient is wanted). */
  needs(i: number): boolean {
    const name = this.input(i);
    return name !== '' && this.active(name);
  }

  info(name: string): TensorInfo {
    return this.graph.info(name);
  }

  dtype(name: string): number {
    return this.graph.info(name).dtype ?? DataType.FLOAT;
  }

  /** The rank of a tensor; throws a ShapeInferenceError naming it when unknown. */
  rank(name: string): number {
    const shape = this.graph.info(name).shape;
    if (!shape) throw new ShapeInferenceError(name, 'the rank');
    return shape.length;
  }

  /** Static dims of a tensor, or undefined when any is not a known number. */
  staticShape(name: string): readonly number[] | undefined {
    const shape = this.graph.info(name).shape;
    return isKnownNumbers(shape) ? shape : undefined;
  }

  /** Known integer contents of a (constant) input, or undefined. */
  values(i: number): number[] | undefined {
    const name = this.input(i);
    if (!name) return undefined;
    const v = this.graph.info(name).value;
    return v && isKnownNumbers(v) ? [...v] : undefined;
  }

  /**
   * dy where `condition` holds, 0 elsewhere: a multiplication by the cast mask, which runtimes run
   * several times faster than Where on large tensors.
   */
  masked(dy: string, condition: string): string {
    const g = this.graph;
    return g.add('Mul', [dy, g.add('Cast', [condition], { to: this.dtype(dy) })]);
  }

  /** A scalar constant of the element type of `like`. */
  scalar(value: number, like: string): string {
    return this.graph.scalar(value, this.dtype(like));
  }
}

/**
 * The gradient of one op type. `backward` gets the gradients of the node's outputs (undefined for an
 * output that no path uses, i.e. a zero gradient) and returns the gradients of its inputs (undefined
 * where the input needs none).
 */
export interface GradientRule {
  /** Inputs this rule can differentiate ('all' for variadic ops). Default: [0]. */
  readonly differentiable?: readonly number[] | 'all';
  /** Inputs whose derivative is zero by definition (indices, shapes, ratios), never differentiated. */
  readonly constant?: readonly number[];
  /** Builder-time checks of attributes and shapes; throw RuleLimitation with a reason to refuse a node. */
  check?(ctx: GradientContext): void;
  backward(ctx: GradientContext, outputGradients: readonly (string | undefined)[]): readonly (string | undefined)[];
}
