import type { Layout } from '@salience/core';
import type { CustomGradient } from '@salience/onnx-autodiff';
import type { InferenceSession, SessionOptions } from './ort-types.js';

/** How MaxPool's gradient picks among equal maxima: see @salience/onnx-autodiff's README. */
export type MaxPoolTies = 'first' | 'split';

export interface OnnxModelOptions {
  /**
   * The graph input to explain. Default: the only input; with several, leaving aside inputs named
   * as companions (attention_mask, token_type_ids, position_ids), the one rank-4 float input (an
   * image), else the one named like token ids (input_ids). Every other input is fed with each row:
   * derived from the ids, or given per example as `context` (see `padId`).
   */
  readonly input?: string;
  /** The graph output holding the logits [B, classes]. Default: the graph's only output. */
  readonly output?: string;
  /**
   * Layout of the input. Default: 'NCHW' for a rank-4 float input (ONNX's convention), 'NC' for a
   * rank-2 float input, 'tokens' for an integer input of token ids. 'NHWC' declares a channels-last image input.
   */
  readonly layout?: Layout;
  /**
   * Token models: the tensor holding the token embeddings [B, T, D], the output of the embedding
   * Gather, by tensor name ('/emb/Gather_output_0'), PyTorch module name ('transformer.wte', or
   * just 'wte') or a fragment of the node or weight name. Default: the output of the Gather that
   * reads the ids (directly or through Reshape, Flatten, Unsqueeze, Squeeze, Cast) from a weight
   * table, when there is exactly one.
   */
  readonly embedding?: string;
  /**
   * Token models: the id of the padding token. The attention_mask derived for a model that takes
   * one is 1 where the id differs from it and 0 where it is padding. Default 0 (BERT, DistilBERT);
   * RoBERTa pads with 1; `null` marks every token real (GPT-2 has no pad token). A mask given in
   * `context` is used as given.
   */
  readonly padId?: number | null;
  /**
   * Token models that take an attention mask: run every request at a multiple of this many tokens,
   * the ids padded with `padId` and masked out (token types 0, positions counting on), and the
   * embeddings and their gradients cut back to the real tokens. Gradient graphs and their sessions
   * are built per sequence length, so a dataset of texts of many lengths then shares a few of them.
   * Results equal the unpadded ones to float32 rounding (within 3e-7 of the map's max on the zoo's
   * BERT, DistilBERT, RoBERTa and GPT-2 exports). Requests for layer tensors or with backward
   * rules, and models without an attention mask input, run unpadded. Default: off.
   */
  readonly sequenceBucket?: number;
  /** Passed to every `InferenceSession.create`: executionProviders, graphOptimizationLevel, intraOpNumThreads... */
  readonly sessionOptions?: SessionOptions;
  /** Gradient graphs for ops without a built-in rule (or to replace one), as in @salience/onnx-autodiff. */
  readonly customGradients?: readonly CustomGradient[];
  /**
   * MaxPool tie rule of the gradient graphs: 'first' (default, PyTorch's: the first maximum of a
   * window takes its gradient) or 'split' (tied maxima share it). Both are float-only, so both run on webgpu.
   */
  readonly maxPoolTies?: MaxPoolTies;
  /**
   * Clip's gradient at exactly min or max: 'exclusive' (default: 0 there, as PyTorch's relu6 and
   * hardtanh, which is what an exported Clip usually is) or 'inclusive' (1 there, as torch.clamp).
   */
  readonly clipBounds?: 'exclusive' | 'inclusive';
}

/** An existing session for plain inference, and the bytes of the model it was created from. */
export interface SessionAndBytes {
  readonly bytes: Uint8Array | ArrayBuffer;
  /** Used for logits-only requests and left open on `dispose()`: it stays yours. */
  readonly session?: InferenceSession;
}

/** Model bytes, a file path or URL (read with node:fs or fetch), or a session with its bytes. */
export type OnnxModelSource = Uint8Array | ArrayBuffer | string | URL | SessionAndBytes;

const LAYOUTS: readonly Layout[] = ['NCHW', 'NHWC', 'NC', 'tokens'];

/**
 * PyTorch's 'first' on every provider: its gradient graph is float-only (no int64 ArgMax), so the
 * webgpu provider runs it too. Kept as a function of the session options for callers that ask.
 */
export function defaultMaxPoolTies(_sessionOptions: SessionOptions | undefined): MaxPoolTies {
  return 'first';
}

/** Option checks that need no graph; the graph-dependent ones are made where the graph is read. */
export function checkOptions(options: OnnxModelOptions): string[] {
  const problems: string[] = [];
  if (options === null || typeof options !== 'object') return ['options must be an object.'];
  for (const key of ['input', 'output', 'embedding'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) problems.push(`${key} must be a tensor name; got ${JSON.stringify(value)}.`);
  }
  if (options.padId !== undefined && options.padId !== null && !(Number.isInteger(options.padId) && options.padId >= 0)) {
    problems.push(`padId must be a token id (a non-negative integer) or null; got ${JSON.stringify(options.padId)}.`);
  }
  if (options.sequenceBucket !== undefined && !(Number.isInteger(options.sequenceBucket) && options.sequenceBucket >= 1)) {
    problems.push(`sequenceBucket must be a whole number of tokens (1 or more); got ${JSON.stringify(options.sequenceBucket)}.`);
  }
  if (options.layout !== undefined && !LAYOUTS.includes(options.layout)) {
    problems.push(`layout must be one of ${LAYOUTS.join(', ')}; got ${JSON.stringify(options.layout)}.`);
  }
  if (options.maxPoolTies !== undefined && options.maxPoolTies !== 'first' && options.maxPoolTies !== 'split') {
    problems.push(`maxPoolTies must be 'first' or 'split'; got ${JSON.stringify(options.maxPoolTies)}.`);
  }
  if (options.clipBounds !== undefined && options.clipBounds !== 'exclusive' && options.clipBounds !== 'inclusive') {
    problems.push(`clipBounds must be 'exclusive' or 'inclusive'; got ${JSON.stringify(options.clipBounds)}.`);
  }
  if (options.customGradients !== undefined && !Array.isArray(options.customGradients)) {
    problems.push('customGradients must be an array of { opType | node, model, inputs, outputs }.');
  }
  if (options.sessionOptions !== undefined && (options.sessionOptions === null || typeof options.sessionOptions !== 'object')) {
    problems.push('sessionOptions must be an object (InferenceSession.SessionOptions).');
  }
  return problems;
}
