/**
 * Every failure the builder can explain carries a stable `code` and a message that says what to do.
 * The codes `UNSUPPORTED_OP` and `INVALID_MODEL` match the meaning of @salience/core's codes of the same
 * name, so an adapter can translate them one to one.
 */
export type AutodiffErrorCode = 'UNSUPPORTED_OP' | 'UNKNOWN_TENSOR' | 'INVALID_SPEC' | 'INVALID_GRADIENT_GRAPH' | 'SHAPE_UNKNOWN' | 'INVALID_MODEL';

export class AutodiffError extends Error {
  readonly code: AutodiffErrorCode;

  constructor(code: AutodiffErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AutodiffError';
    this.code = code;
  }
}

/** One node on a differentiated path that has no gradient rule (or a rule that cannot handle it). */
export interface UnsupportedNode {
  readonly op: string;
  readonly node: string;
  readonly domain: string;
  readonly reason?: string;
}

/**
 * Nodes between `wrt` and `of` that the builder cannot differentiate. `op` and `node` name the first;
 * `nodes` lists all of them, so one build reports every gap at once.
 */
export class UnsupportedOpError extends AutodiffError {
  readonly op: string;
  readonly node: string;
  readonly nodes: readonly UnsupportedNode[];

  constructor(nodes: readonly UnsupportedNode[]) {
    const describe = (n: UnsupportedNode) => `'${n.domain ? `${n.domain}.` : ''}${n.op}' (node '${n.node}')${n.reason ? `: ${n.reason}` : ''}`;
    const shown = nodes.slice(0, 8).map(describe).join('; ');
    const more = nodes.length > 8 ? `; ... (${nodes.length - 8} more)` : '';
    super(
      'UNSUPPORTED_OP',
      `No gradient rule for ${shown}${more}. Supply your own gradient graph for it (customGradients), ` + 'or differentiate with respect to a tensor after it.',
    );
    this.name = 'UnsupportedOpError';
    this.op = nodes[0]?.op ?? '';
    this.node = nodes[0]?.node ?? '';
    this.nodes = nodes;
  }
}

/** A tensor name that the model does not have. */
export class UnknownTensorError extends AutodiffError {
  readonly tensor: string;

  constructor(tensor: string, role: string, suggestions: readonly string[] = []) {
    const hint = suggestions.length ? ` Did you mean ${suggestions.map((s) => `'${s}'`).join(', ')}?` : '';
    super('UNKNOWN_TENSOR', `The model has no tensor '${tensor}' (${role}).${hint}`);
    this.name = 'UnknownTensorError';
    this.tensor = tensor;
  }
}

/** A gradient spec, or a user-supplied gradient graph, that cannot be honoured; `problems` lists each. */
export class GradientSpecError extends AutodiffError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], code: 'INVALID_SPEC' | 'INVALID_GRADIENT_GRAPH' = 'INVALID_SPEC') {
    super(code, (problems.length === 1 ? problems[0] : `${problems.length} problems:\n- ${problems.join('\n- ')}`)!);
    this.name = 'GradientSpecError';
    this.problems = problems;
  }
}

/** A gradient rule needed a rank or a dimension that could not be inferred from the model. */
export class ShapeInferenceError extends AutodiffError {
  readonly tensor: string;

  constructor(tensor: string, what: string) {
    super(
      'SHAPE_UNKNOWN',
      `Cannot infer ${what} of tensor '${tensor}' from the input shapes: the op computing it has no shape ` +
        'rule here, or the graph was not specialised to concrete input shapes (ModelGraph.specialize). ' +
        'Give a gradient graph for the op that reads it (customGradients), or differentiate with respect to a tensor after it.',
    );
    this.name = 'ShapeInferenceError';
    this.tensor = tensor;
  }
}

/** Bytes that are not an ONNX model, or a model this builder cannot extend (opset, structure). */
export class ModelFormatError extends AutodiffError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_MODEL', message, options);
    this.name = 'ModelFormatError';
  }
}
