import { GradientsUnavailableError, ModelError, OptionError, SalienceError } from '@salience/core';
import { AutodiffError, GradientSpecError, UnsupportedOpError } from '@salience/onnx-autodiff';

function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return error;
}

/**
 * A failure of the gradient-graph builder as the typed error of @salience/core with the same
 * meaning; the builder's own error (with every unsupported node) is the `cause`.
 */
export function fromBuildFailure(error: unknown, what: string): Error {
  if (error instanceof SalienceError) return error;
  if (error instanceof UnsupportedOpError) {
    const others = error.nodes.slice(1, 6).map((n) => `'${n.op}' (node '${n.node}')`);
    const more = error.nodes.length > 6 ? `, ... (${error.nodes.length - 6} more)` : '';
    const reason = error.nodes[0]?.reason ? `${error.nodes[0].reason}.` : '';
    const hint = [reason, others.length ? `Also without a rule: ${others.join(', ')}${more}.` : '', "Give a gradient graph for it with the 'customGradients' option."]
      .filter(Boolean)
      .join(' ');
    return withCause(GradientsUnavailableError.forOp(error.op, error.node, hint), error);
  }
  if (error instanceof GradientSpecError && error.code === 'INVALID_GRADIENT_GRAPH') {
    return withCause(new OptionError(`customGradients: ${error.message}`), error);
  }
  if (error instanceof AutodiffError) {
    return new GradientsUnavailableError(`Cannot build the gradient graph for ${what}: ${error.message}`, { cause: error });
  }
  return new ModelError(`Building the gradient graph for ${what} failed`, error);
}

/** A failure inside ONNX Runtime (session creation or run), with the runtime's message kept. */
export function fromRuntimeFailure(error: unknown, what: string): Error {
  if (error instanceof SalienceError) return error;
  return new ModelError(`ONNX Runtime failed to ${what}`, error);
}
