import { OptionError } from '@salience/core';
import type { Dim, ModelGraph } from '@salience/onnx-autodiff';
import { ElementType, isFloatElement } from './graph-signature.js';
import type { ContextType } from './ort-types.js';

/**
 * How a graph input that is not explained gets its values when the caller gives none: derived from
 * the token ids (attention mask, token types, positions) or only from the caller (`context`).
 */
export type CompanionRole = 'attention-mask' | 'token-types' | 'positions' | 'given';

/** A graph input fed beside the explained one, never perturbed. */
export interface Companion {
  readonly name: string;
  readonly type: ContextType;
  /** Declared dims (numbers, symbols or null); undefined when the graph declares no shape. */
  readonly dims: readonly Dim[] | undefined;
  readonly role: CompanionRole;
}

// Names as transformers, Optimum and transformers.js exports write them (a prefix such as 'bert.' is allowed).
const ROLE_NAMES: readonly (readonly [CompanionRole, RegExp])[] = [
  ['attention-mask', /(^|[_./])(attention_mask|attn_mask|input_mask|mask)$/i],
  ['token-types', /(^|[_./])(token_type_ids|token_types|segment_ids)$/i],
  ['positions', /(^|[_./])(position_ids|positions)$/i],
];
const IDS_NAMES = /(^|[_./])(input_ids|ids|token_ids|tokens)$/i;

function roleByName(name: string): CompanionRole {
  return ROLE_NAMES.find(([, pattern]) => pattern.test(name))?.[0] ?? 'given';
}

/** ONNX TensorProto.BOOL. */
const BOOL = 9;

const list = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');

/**
 * The graph input to explain: the `input` option; else the only input; else, leaving aside inputs
 * named as companions (attention_mask, token_type_ids, position_ids), the one rank-4 float input
 * (an image), the one input named like token ids (input_ids), or the one input left.
 */
export function attributedInput(graph: ModelGraph, asked: string | undefined): string | undefined {
  const inputs = graph.inputs;
  if (asked !== undefined || inputs.length <= 1) return asked;
  const candidates = inputs.filter((name) => roleByName(name) === 'given');
  const images = candidates.filter((name) => isFloatElement(graph.info(name).dtype) && graph.info(name).shape?.length === 4);
  if (images.length === 1) return images[0];
  const ids = candidates.filter((name) => IDS_NAMES.test(name) && !isFloatElement(graph.info(name).dtype));
  if (ids.length === 1) return ids[0];
  if (candidates.length === 1) return candidates[0];
  throw new OptionError(
    `The model has ${inputs.length} inputs (${list(inputs)}) and none is clearly the one to explain; name it with the 'input' option. The others are fed with each example (see the 'context' option).`,
  );
}

function contextTypeOf(dtype: number | undefined, name: string): ContextType {
  if (dtype === ElementType.FLOAT) return 'float32';
  if (dtype === ElementType.INT64) return 'int64';
  if (dtype === ElementType.INT32) return 'int32';
  if (dtype === BOOL) return 'bool';
  throw new OptionError(
    `Input '${name}' has ONNX element type ${dtype ?? 'unknown'}; salience feeds the inputs it does not explain as float32, int64, int32 or bool. Export the model with one of those.`,
  );
}

/**
 * Every graph input other than the explained one. Standard companions of token ids get a role by
 * name; an image or feature model's other inputs always come from the caller.
 */
export function companionsOf(graph: ModelGraph, explained: string, tokens: boolean, fixedBatch: number | undefined): Companion[] {
  return graph.inputs
    .filter((name) => name !== explained)
    .map((name) => {
      const info = graph.info(name);
      const dims = info.shape;
      const batch = dims?.[0];
      if (typeof batch === 'number' && batch !== fixedBatch) {
        throw new OptionError(
          `Input '${name}' has a fixed first dimension ${batch}, but salience feeds the inputs beside '${explained}' one row per example (batch first, like '${explained}'${fixedBatch !== undefined ? `, whose batch is ${fixedBatch}` : ''}). Export it with a dynamic batch axis.`,
        );
      }
      return { name, type: contextTypeOf(info.dtype, name), dims, role: tokens ? roleByName(name) : 'given' };
    });
}

export function formatDims(dims: readonly Dim[] | undefined): string {
  if (!dims) return '[unknown shape]';
  return `[${dims.map((d, i) => (d === null ? (i === 0 ? 'batch' : '?') : String(d))).join(', ')}]`;
}
