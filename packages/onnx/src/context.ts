import { OptionError, ShapeError, type TensorData } from '@salience/core';
import type { Dim } from '@salience/onnx-autodiff';
import { type Companion, formatDims } from './graph-inputs.js';

/** Companion inputs by name, batch first, one row per row of the explained input. */
export type Context = Readonly<Record<string, TensorData>>;

/** The explained input as the graph declares it. */
export interface ExplainedInput {
  readonly name: string;
  readonly dims: readonly Dim[];
  readonly tokens: boolean;
}

/**
 * The shape of a derived companion for ids [B, T]: [B, T], or [B, 1, ..., 1, T] when the graph
 * declares ones in between (an extended mask). Undefined when the declared shape is anything else.
 */
function derivedShape(dims: readonly Dim[] | undefined, rows: number, tokens: number): number[] | undefined {
  if (!dims) return [rows, tokens];
  if (dims.length < 2 || dims.slice(1, -1).some((d) => d !== 1)) return undefined;
  return [rows, ...dims.slice(1, -1).map(() => 1), tokens];
}

const howToPass = (name: string) => `pass it with \`context: { ${name}: TensorData }\` (one row per example) in the library, or \`--context ${name}=FILE.npy\` on the CLI`;

/**
 * The inputs fed beside the explained one: what can be derived from real token ids (attention
 * mask = ids != padId, token types zero, positions 0..T-1), what the caller gives, and the checks of
 * both against the graph's declared shapes and types, made before anything runs.
 */
export class CompanionInputs {
  constructor(
    readonly companions: readonly Companion[],
    private readonly explained: ExplainedInput,
    /** Ids that are padding (masked out); null when every token is real. */
    private readonly padId: number | null,
  ) {}

  get names(): readonly string[] {
    return this.companions.map((c) => c.name);
  }

  /** Companions derived from these real ids (only those that can be derived). */
  derive(input: TensorData, only?: ReadonlySet<string>): Record<string, TensorData> {
    const out: Record<string, TensorData> = {};
    if (!this.explained.tokens || input?.shape?.length !== 2) return out;
    const [rows, tokens] = input.shape as [number, number];
    for (const companion of this.companions) {
      if (companion.role === 'given' || (only && !only.has(companion.name))) continue;
      const shape = derivedShape(companion.dims, rows, tokens);
      if (!shape) continue;
      const data = new Float32Array(rows * tokens);
      if (companion.role === 'attention-mask') {
        const pad = this.padId;
        for (let i = 0; i < data.length; i++) data[i] = pad === null || input.data[i] !== pad ? 1 : 0;
      } else if (companion.role === 'positions') {
        for (let i = 0; i < data.length; i++) data[i] = i % tokens;
      }
      out[companion.name] = { data, shape };
    }
    return out;
  }

  /**
   * Every companion for a request: given rows first, the rest derived from `input`. Throws before
   * any run when an input can be neither, or when a row does not fit the graph. The given rows have
   * passed core's `planRequest` (an object of TensorData, known names, one row per input row), so
   * only what the graph adds is checked here: declared dims, shared symbols, element types.
   */
  resolve(input: TensorData, given: Context | undefined): Map<string, TensorData> {
    const missing = new Set(this.names.filter((n) => given?.[n] === undefined));
    const derived = missing.size > 0 ? this.derive(input, missing) : {};
    const resolved = new Map<string, TensorData>();
    for (const companion of this.companions) {
      const rows = given?.[companion.name] ?? derived[companion.name];
      if (rows === undefined) {
        throw new OptionError(
          `The model's input '${companion.name}' (${companion.type}, ${formatDims(companion.dims)}) cannot be derived from '${this.explained.name}' and was not given: ${howToPass(companion.name)}.`,
        );
      }
      resolved.set(companion.name, rows);
    }
    this.check(input, resolved);
    return resolved;
  }

  private check(input: TensorData, resolved: ReadonlyMap<string, TensorData>): void {
    // A symbolic dim ('sequence') takes one value across every fed input.
    const symbols = new Map<string, [number, string]>();
    const bind = (dims: readonly Dim[], shape: readonly number[], name: string) => {
      dims.forEach((d, i) => {
        if (typeof d !== 'string') return;
        const seen = symbols.get(d);
        if (!seen) symbols.set(d, [shape[i]!, name]);
        else if (seen[0] !== shape[i]) {
          throw new ShapeError(`'${name}' has ${shape[i]} for dimension '${d}' where '${seen[1]}' has ${seen[0]}; the graph declares them equal. Shape: [${shape.join(', ')}].`);
        }
      });
    };
    if (input.shape.length === this.explained.dims.length) bind(this.explained.dims, input.shape, this.explained.name);
    for (const companion of this.companions) {
      const t = resolved.get(companion.name)!;
      const what = `context.${companion.name}`;
      const shape = t.shape;
      if (companion.dims) {
        const dims = companion.dims;
        const fits = dims.length === shape.length && dims.every((d, i) => i === 0 || typeof d !== 'number' || d === shape[i]);
        if (!fits) throw new ShapeError(`${what} has shape [${shape.join(', ')}], but the model's input '${companion.name}' is ${formatDims(dims)}.`);
        bind(dims, shape, companion.name);
      }
      checkValues(t.data, companion, what);
    }
  }
}

function checkValues(data: Float32Array, companion: Companion, what: string): void {
  const integer = companion.type !== 'float32';
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const bad = !Number.isFinite(v) || (integer && !Number.isInteger(v)) || (companion.type === 'bool' && v !== 0 && v !== 1);
    if (bad) {
      const kind = companion.type === 'bool' ? '0 or 1 (bool)' : integer ? `integers (${companion.type})` : 'finite numbers';
      throw new ShapeError(`${what} value ${i} is ${v}; the model's input '${companion.name}' takes ${kind}.`);
    }
  }
}
