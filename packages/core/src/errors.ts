/**
 * Every failure the library can explain carries a stable `code` and a message that says what to do.
 * Callers branch on `code` (or `instanceof`), never on message text.
 */
export type SalienceErrorCode =
  | 'INVALID_SHAPE'
  | 'INVALID_OPTION'
  | 'INVALID_TARGET'
  | 'UNKNOWN_LAYER'
  | 'MISSING_CAPABILITY'
  | 'NO_GRADIENTS'
  | 'UNSUPPORTED_OP'
  | 'ABORTED'
  | 'MODEL_FAILED';

export class SalienceError extends Error {
  readonly code: SalienceErrorCode;

  constructor(code: SalienceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SalienceError';
    this.code = code;
  }
}

/** A tensor whose shape does not match what the model or method expects. */
export class ShapeError extends SalienceError {
  constructor(message: string) {
    super('INVALID_SHAPE', message);
    this.name = 'ShapeError';
  }
}

/** An option outside its valid range or of the wrong kind. */
export class OptionError extends SalienceError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
    this.name = 'OptionError';
  }
}

/** A target class that does not exist, or targets that do not match the batch. */
export class TargetError extends SalienceError {
  constructor(message: string) {
    super('INVALID_TARGET', message);
    this.name = 'TargetError';
  }
}

/** A layer name that the model does not have; `available` lists the names it does have. */
export class UnknownLayerError extends SalienceError {
  readonly layer: string;
  readonly available: readonly string[];

  constructor(layer: string, available: readonly string[]) {
    const shown = available.slice(0, 40).join(', ');
    const more = available.length > 40 ? `, ... (${available.length - 40} more)` : '';
    super('UNKNOWN_LAYER', `Unknown layer '${layer}'. The model has: ${shown}${more}. Use model.layers() to list them.`);
    this.name = 'UnknownLayerError';
    this.layer = layer;
    this.available = available;
  }
}

/** A method asked for outputs that the model cannot compute. */
export class CapabilityError extends SalienceError {
  readonly missing: readonly string[];

  constructor(message: string, missing: readonly string[]) {
    super('MISSING_CAPABILITY', message);
    this.name = 'CapabilityError';
    this.missing = missing;
  }
}

/**
 * The runtime cannot differentiate the model: no gradients registered, a forward-only model, or an
 * op without a gradient rule (then `op` and `node` name it, and the code is `UNSUPPORTED_OP`).
 */
export class GradientsUnavailableError extends SalienceError {
  /** The op without a gradient rule, when one op is the reason. */
  readonly op: string | undefined;
  /** Where that op is: the node, kernel or layer that runs it. */
  readonly node: string | undefined;

  constructor(message: string, options?: { cause?: unknown; op?: string; node?: string }) {
    super(options?.op === undefined ? 'NO_GRADIENTS' : 'UNSUPPORTED_OP', message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'GradientsUnavailableError';
    this.op = options?.op;
    this.node = options?.node;
  }

  /** An op without a gradient rule; `remedy` says how the user's runtime can be given one. */
  static forOp(op: string, node: string, remedy: string, options?: { cause?: unknown }): GradientsUnavailableError {
    const message = `No gradient rule for op '${op}' (node '${node}').${remedy ? ` ${remedy}` : ''} Otherwise use a forward-only method such as occlusion.`;
    return new GradientsUnavailableError(message, { ...options, op, node });
  }
}

/** The work was cancelled through an AbortSignal. */
export class AbortError extends SalienceError {
  constructor(reason?: unknown) {
    super('ABORTED', `Attribution aborted${reason instanceof Error ? `: ${reason.message}` : ''}.`, {
      cause: reason,
    });
    this.name = 'AbortError';
  }
}

/** The model itself threw while running; the original error is the `cause`. */
export class ModelError extends SalienceError {
  constructor(message: string, cause: unknown) {
    super('MODEL_FAILED', `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ModelError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}
