import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { type Attributes, makeAttributes } from './attributes.js';
import { ModelFormatError, UnknownTensorError } from './errors.js';
import { makeValueInfo } from './messages.js';
import {
  DataType,
  dataTypeOf,
  type ElementType,
  GraphProtoSchema,
  isIntegerType,
  type ModelProto,
  ModelProtoSchema,
  makeTensor,
  type NodeInit,
  type NodeProto,
  NodeProtoSchema,
  newNode,
  type TensorInit,
  type TensorProto,
  TensorProtoSchema,
  toNumber,
  type ValueInfoProto,
} from './proto.js';
import { inferNode, infoOfTensor } from './shape-inference.js';
import { type Dim, formatShape, isKnownNumbers, type TensorInfo } from './tensor-info.js';

/** The opsets of the default domain that the builder emits correct nodes for. */
export const MIN_OPSET = 11;
export const MAX_OPSET = 21;

export interface InputDeclaration {
  readonly name: string;
  readonly type: ElementType | number;
  /** Numbers, symbols (`'batch'`) or null for an unnamed dynamic dimension. */
  readonly shape: readonly Dim[];
}

export interface CreateModelOptions {
  /** Default-domain opset (11..21). Default 17. */
  readonly opset?: number;
  readonly inputs?: readonly InputDeclaration[];
}

export interface NodeOptions {
  /** Output names (made unique if taken) or how many outputs to create. Default: one. */
  readonly outputs?: readonly string[] | number;
  readonly name?: string;
  readonly domain?: string;
}

// Integer shape arithmetic whose known results are folded into constants instead of emitted as nodes.
const FOLDABLE = new Set([
  'Shape',
  'Size',
  'Gather',
  'Concat',
  'Unsqueeze',
  'Squeeze',
  'Slice',
  'Cast',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Neg',
  'Identity',
  'Reshape',
  'ConstantOfShape',
  'Range',
  'Where',
]);

interface Appended {
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

/**
 * An ONNX model opened for appending. The original bytes are kept as they are; what is appended
 * (nodes, initializers, inputs, outputs) is spliced into the graph message when `toBytes()` is
 * called, so fields this protobuf schema does not know survive, and weights are not re-encoded.
 */
export class ModelGraph {
  /** Default-domain opset of the model. */
  readonly opset: number;
  private readonly base: Uint8Array;
  private readonly proto: ModelProto;
  private readonly appended: Appended;
  private readonly infos: Map<string, TensorInfo>;
  private readonly producers: Map<string, NodeProto>;
  private readonly initializerMap: Map<string, TensorProto>;
  private readonly names: Set<string>;
  private readonly nodeNames: Set<string>;
  private readonly nodeList: NodeProto[];
  private readonly graphInputs: string[];
  private readonly graphOutputs: string[];
  private readonly memo: Map<string, string>;
  private readonly suffixes: Map<string, number>;

  /** Concrete dims of the graph inputs this graph is specialised to (empty: as declared). */
  readonly inputShapes: Readonly<Record<string, readonly number[]>>;

  private constructor(base: Uint8Array, proto: ModelProto, from?: ModelGraph, shapes?: Readonly<Record<string, readonly number[]>>) {
    this.base = base;
    this.proto = proto;
    const opset = (proto.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
    this.opset = opset ? toNumber(opset.version) : 1;
    this.inputShapes = shapes ?? from?.inputShapes ?? {};
    if (from && !shapes) {
      this.appended = {
        node: [...from.appended.node],
        initializer: [...from.appended.initializer],
        input: [...from.appended.input],
        output: [...from.appended.output],
      };
      this.infos = new Map(from.infos);
      this.producers = new Map(from.producers);
      this.initializerMap = new Map(from.initializerMap);
      this.names = new Set(from.names);
      this.nodeNames = new Set(from.nodeNames);
      this.nodeList = [...from.nodeList];
      this.graphInputs = [...from.graphInputs];
      this.graphOutputs = [...from.graphOutputs];
      this.memo = new Map(from.memo);
      this.suffixes = new Map(from.suffixes);
      return;
    }
    this.appended = { node: [], initializer: [], input: [], output: [] };
    this.infos = new Map();
    this.producers = new Map();
    this.initializerMap = new Map();
    this.names = new Set();
    this.nodeNames = new Set();
    this.nodeList = [];
    this.graphInputs = [];
    this.graphOutputs = [];
    this.memo = new Map();
    this.suffixes = new Map();
    this.index();
    if (from) this.replay(from);
  }

  /** Opens serialized ONNX model bytes. */
  static decode(bytes: Uint8Array): ModelGraph {
    if (!(bytes instanceof Uint8Array)) throw new ModelFormatError('Expected the ONNX model as a Uint8Array.');
    let proto: ModelProto;
    try {
      proto = fromBinary(ModelProtoSchema, bytes);
    } catch (cause) {
      throw new ModelFormatError('These bytes are not an ONNX model (protobuf decoding failed).', { cause });
    }
    if (!proto.graph) throw new ModelFormatError('The ONNX model has no graph.');
    return new ModelGraph(bytes, proto);
  }

  /** Opens a model given as bytes, a decoded ModelProto, or another ModelGraph (which is copied, not changed). */
  static from(model: Uint8Array | ModelProto | ModelGraph): ModelGraph {
    if (model instanceof ModelGraph) return model.fork();
    if (model instanceof Uint8Array) return ModelGraph.decode(model);
    if (!model || typeof model !== 'object' || !model.graph) {
      throw new ModelFormatError('Expected ONNX model bytes, an onnx.ModelProto with a graph, or a ModelGraph.');
    }
    let bytes: Uint8Array;
    try {
      bytes = toBinary(ModelProtoSchema, model);
    } catch (cause) {
      throw new ModelFormatError('The ModelProto cannot be encoded: make new messages in it with create() (or makeNode, makeTensor, makeValueInfo), not object literals.', {
        cause,
      });
    }
    return ModelGraph.decode(bytes);
  }

  /** A new, empty model (for tests, objectives, or user-built gradient graphs). */
  static create(options: CreateModelOptions = {}): ModelGraph {
    const opset = options.opset ?? 17;
    const bytes = toBinary(
      ModelProtoSchema,
      create(ModelProtoSchema, {
        irVersion: 8n,
        producerName: '@salience/onnx-autodiff',
        opsetImport: [{ domain: '', version: BigInt(opset) }],
        graph: { name: 'graph' },
      }),
    );
    const graph = ModelGraph.decode(bytes);
    for (const input of options.inputs ?? []) graph.addInput(input.name, input.type, input.shape);
    return graph;
  }

  /** An independent copy: appending to it leaves this one unchanged. */
  fork(): ModelGraph {
    return new ModelGraph(this.base, this.proto, this);
  }

  /**
   * A copy specialised to concrete input dims (a request's shapes): every tensor's shape is
   * inferred again from them, and shape arithmetic (Shape, Gather, Concat, Range, Where, ...) is
   * evaluated, so gradient rules see static dims and constant pads, starts and target shapes.
   * The model bytes are shared, not copied; the graph's declared inputs stay as exported, so the
   * result is valid only for inputs of exactly these shapes (cache one per shape signature).
   * Inputs not named keep their declared dims.
   */
  specialize(inputShapes: Readonly<Record<string, readonly number[]>>): ModelGraph {
    const shapes: Record<string, readonly number[]> = { ...this.inputShapes };
    for (const [name, dims] of Object.entries(inputShapes)) {
      if (!this.graphInputs.includes(name)) throw new UnknownTensorError(name, 'a graph input to specialise', this.graphInputs);
      const declared = this.infos.get(name)?.shape;
      const valid = Array.isArray(dims) && dims.every((d) => Number.isInteger(d) && d >= 0);
      const compatible = valid && (!declared || (declared.length === dims.length && declared.every((d, i) => typeof d !== 'number' || d === dims[i])));
      if (!compatible) {
        throw new ModelFormatError(`Input '${name}' is declared ${formatShape(declared)}; it cannot be specialised to [${Array.isArray(dims) ? dims.join(', ') : String(dims)}].`);
      }
      shapes[name] = [...dims];
    }
    return new ModelGraph(this.base, this.proto, this, shapes);
  }

  /** Re-registers what `from` appended, on this freshly indexed (specialised) graph. */
  private replay(from: ModelGraph): void {
    for (const tensor of from.appended.initializer) this.pushInitializer(tensor);
    for (const input of from.appended.input) {
      const name = input.name ?? '';
      this.names.add(name);
      this.graphInputs.push(name);
      this.appended.input.push(input);
      this.infos.set(name, this.concrete(name, infoOfValue(input)));
    }
    for (const node of from.appended.node) {
      for (const n of node.output ?? []) if (n) this.names.add(n);
      this.appended.node.push(node);
      this.register(node);
    }
    for (const output of from.appended.output) {
      this.appended.output.push(output);
      this.graphOutputs.push(output.name ?? '');
    }
    for (const name of from.nodeNames) this.nodeNames.add(name);
    for (const name of from.names) this.names.add(name);
    for (const [k, v] of from.memo) this.memo.set(k, v);
    for (const [k, v] of from.suffixes) this.suffixes.set(k, v);
  }

  /** A graph input's info with its specialised dims, when it has some. */
  private concrete(name: string, info: TensorInfo): TensorInfo {
    const dims = this.inputShapes[name];
    return dims ? { dtype: info.dtype, shape: [...dims] } : info;
  }

  /** dim_param symbols fixed by the specialised inputs ('batch' -> 2), to read declared value_info with. */
  private symbolValues(): Map<string, number> {
    const symbols = new Map<string, number>();
    for (const input of this.proto.graph?.input ?? []) {
      const dims = this.inputShapes[input.name ?? ''];
      const declared = infoOfValue(input).shape;
      if (!dims || !declared) continue;
      declared.forEach((d, i) => {
        if (typeof d === 'string') symbols.set(d, dims[i]!);
      });
    }
    return symbols;
  }

  private index(): void {
    const graph = this.proto.graph!;
    for (const init of graph.initializer ?? []) {
      const name = init.name ?? '';
      this.initializerMap.set(name, init);
      this.names.add(name);
      this.infos.set(name, infoOfTensor(init));
    }
    for (const input of graph.input ?? []) {
      const name = input.name ?? '';
      this.names.add(name);
      if (!this.initializerMap.has(name)) {
        this.graphInputs.push(name);
        this.infos.set(name, this.concrete(name, infoOfValue(input)));
      }
    }
    const symbols = this.symbolValues();
    const declared = new Map<string, TensorInfo>();
    for (const v of [...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
      const info = infoOfValue(v);
      // Only symbols the specialised inputs fix are read; other declared symbols may differ per input.
      const shape = symbols.size && info.shape ? info.shape.map((d) => (typeof d === 'string' && symbols.has(d) ? symbols.get(d)! : d)) : info.shape;
      declared.set(v.name ?? '', { dtype: info.dtype, shape });
    }
    for (const node of graph.node ?? []) this.register(node, declared);
    for (const output of graph.output ?? []) {
      this.graphOutputs.push(output.name ?? '');
      this.names.add(output.name ?? '');
    }
  }

  private register(node: NodeProto, declared?: Map<string, TensorInfo>): TensorInfo[] {
    this.nodeList.push(node);
    if (node.name) this.nodeNames.add(node.name);
    const inferred = inferNode(node, (n) => this.infos.get(n), this.opset);
    (node.output ?? []).forEach((out, i) => {
      if (!out) return;
      this.names.add(out);
      this.producers.set(out, node);
      this.infos.set(out, mergeInfo(inferred[i] ?? {}, declared?.get(out)));
    });
    return inferred;
  }

  // ---- reading -------------------------------------------------------------------------------

  /** Graph inputs that are fed at run time (initializers excluded), including appended ones. */
  get inputs(): readonly string[] {
    return this.graphInputs;
  }

  /** Graph outputs, including appended ones. */
  get outputs(): readonly string[] {
    return this.graphOutputs;
  }

  /** All nodes in topological order, appended ones last. */
  get nodes(): readonly NodeProto[] {
    return this.nodeList;
  }

  /** The decoded original model (read-only: changes to it are not written back). */
  get original(): ModelProto {
    return this.proto;
  }

  /** All initializers, appended ones included. */
  get initializers(): readonly TensorProto[] {
    return [...this.initializerMap.values()];
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  isInitializer(name: string): boolean {
    return this.initializerMap.has(name);
  }

  initializer(name: string): TensorProto | undefined {
    return this.initializerMap.get(name);
  }

  producer(name: string): NodeProto | undefined {
    return this.producers.get(name);
  }

  /** What is known of a tensor's type, shape and (small integer) contents. */
  info(name: string): TensorInfo {
    return this.infos.get(name) ?? {};
  }

  /** Overrides what is known of a tensor (e.g. a gradient has the shape of its primal). */
  setInfo(name: string, info: TensorInfo): void {
    this.infos.set(name, mergeInfo(info, this.infos.get(name)));
  }

  /** Throws UnknownTensorError, with close names as suggestions, when `name` is not a tensor of the graph. */
  require(name: string, role: string): void {
    if (this.names.has(name)) return;
    const needle = name.toLowerCase();
    const suggestions = [...this.names].filter((n) => n?.toLowerCase().includes(needle)).slice(0, 5);
    throw new UnknownTensorError(name, role, suggestions);
  }

  // ---- appending -----------------------------------------------------------------------------

  /** A tensor or node name not used yet, derived from `base`. */
  uniqueName(base: string): string {
    const taken = (name: string) => this.names.has(name) || this.nodeNames.has(name);
    if (!taken(base)) return base;
    // Resume from the last suffix handed out for this base, so that naming stays linear in graph size.
    for (let i = this.suffixes.get(base) ?? 1; ; i++) {
      const candidate = `${base}_${i}`;
      if (!taken(candidate)) {
        this.suffixes.set(base, i + 1);
        return candidate;
      }
    }
  }

  /** Appends a node and returns its output names. Integer shape arithmetic with known results is folded. */
  addNode(opType: string, inputs: readonly string[], attributes?: Attributes, options: NodeOptions = {}): string[] {
    const requested = options.outputs ?? 1;
    const outputs =
      typeof requested === 'number'
        ? Array.from({ length: requested }, (_, i) => this.uniqueName(`ad/${opType}${requested > 1 ? `_${i}` : ''}`))
        : requested.map((n) => this.uniqueName(n));
    const name = this.uniqueName(options.name ?? `ad/${opType}`);
    const node: NodeProto = newNode({
      opType,
      input: [...inputs],
      output: outputs,
      name,
      attribute: makeAttributes(attributes),
    });
    if (options.domain) node.domain = options.domain;
    for (const n of outputs) this.names.add(n);
    this.nodeNames.add(name);
    if (!options.domain && FOLDABLE.has(opType)) {
      const inferred = inferNode(node, (n) => this.infos.get(n), this.opset);
      const folded = inferred.every((i) => isIntegerType(i.dtype) && isKnownNumbers(i.value) && isKnownNumbers(i.shape) && i.shape.reduce((a, b) => a * b, 1) === i.value.length);
      if (folded && inferred.length === outputs.length) {
        outputs.forEach((out, i) => {
          const info = inferred[i]!;
          const dims = info.shape as number[];
          this.pushInitializer(makeTensor(out, info.dtype!, dims, info.value as number[]));
        });
        return outputs;
      }
    }
    this.appended.node.push(node);
    this.register(node);
    return outputs;
  }

  /** Appends a single-output node and returns its output name. */
  add(opType: string, inputs: readonly string[], attributes?: Attributes, options: Omit<NodeOptions, 'outputs'> & { output?: string } = {}): string {
    return this.addNode(opType, inputs, attributes, {
      ...options,
      outputs: options.output ? [options.output] : 1,
    })[0]!;
  }

  /** Appends a node as it is (names must already be unique): a NodeProto, or its fields (made into one). */
  appendNode(init: NodeProto | NodeInit): void {
    const node = create(NodeProtoSchema, init);
    for (const n of node.output ?? []) if (n) this.names.add(n);
    this.appended.node.push(node);
    this.register(node);
  }

  private pushInitializer(tensor: TensorProto): void {
    const name = tensor.name ?? '';
    this.names.add(name);
    this.initializerMap.set(name, tensor);
    this.infos.set(name, infoOfTensor(tensor));
    this.appended.initializer.push(tensor);
  }

  /** Appends an initializer holding `values` and returns its (unique) name. Identical small constants are shared. */
  constant(values: ArrayLike<number>, type: ElementType | number, dims: readonly number[], name = 'ad/const'): string {
    const dtype = dataTypeOf(type);
    const key = values.length <= 16 ? `c|${dtype}|${dims.join(',')}|${Array.from(values).join(',')}` : undefined;
    const known = key ? this.memo.get(key) : undefined;
    if (known) return known;
    const unique = this.uniqueName(name);
    this.pushInitializer(makeTensor(unique, dtype, dims, values));
    if (key) this.memo.set(key, unique);
    return unique;
  }

  /** Appends an initializer given as a TensorProto or its fields (renamed if its name is taken) and returns its name. */
  addInitializer(tensor: TensorProto | TensorInit): string {
    const name = this.uniqueName(tensor.name || 'ad/init');
    this.pushInitializer(create(TensorProtoSchema, { ...tensor, name }));
    return name;
  }

  /** A 1-D int64 constant. */
  int64s(values: readonly number[]): string {
    return this.constant(values, DataType.INT64, [values.length]);
  }

  /** A scalar constant of the given element type (defaults to float32). */
  scalar(value: number, type: ElementType | number = DataType.FLOAT): string {
    return this.constant([value], type, []);
  }

  /** Shape(x), emitted once per tensor (and folded when fully known). */
  shapeOf(x: string): string {
    const key = `shape|${x}`;
    const known = this.memo.get(key);
    if (known) return known;
    const out = this.add('Shape', [x]);
    this.memo.set(key, out);
    return out;
  }

  /** Caches a tensor built from a key (e.g. a derived constant), so repeated requests share it. */
  cached(key: string, build: () => string): string {
    const known = this.memo.get(key);
    if (known) return known;
    const out = build();
    this.memo.set(key, out);
    return out;
  }

  /** Declares a new graph input. */
  addInput(name: string, type: ElementType | number, shape: readonly Dim[]): string {
    if (this.names.has(name)) throw new ModelFormatError(`Cannot add input '${name}': the model already has a tensor of that name.`);
    const dtype = dataTypeOf(type);
    this.names.add(name);
    this.graphInputs.push(name);
    this.infos.set(name, { dtype, shape: [...shape] });
    this.appended.input.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Declares an existing tensor as a graph output (no-op if it already is one). */
  addOutput(name: string): string {
    this.require(name, 'output');
    if (this.graphOutputs.includes(name)) return name;
    const info = this.info(name);
    this.graphOutputs.push(name);
    this.appended.output.push(valueInfo(name, info.dtype, info.shape));
    return name;
  }

  /** The model with everything appended, as bytes. */
  toBytes(): Uint8Array {
    const a = this.appended;
    if (!a.node.length && !a.initializer.length && !a.input.length && !a.output.length) return this.base;
    // Folding leaves intermediate constants behind; only those something reads are written.
    const read = new Set<string>(this.graphOutputs);
    for (const node of a.node) for (const name of node.input ?? []) read.add(name);
    const extra = toBinary(
      GraphProtoSchema,
      create(GraphProtoSchema, {
        node: a.node,
        initializer: a.initializer.filter((t) => read.has(t.name ?? '')),
        input: a.input,
        output: a.output,
      }),
    );
    return spliceIntoGraph(this.base, extra);
  }
}

function mergeInfo(primary: TensorInfo, fallback: TensorInfo | undefined): TensorInfo {
  if (!fallback) return primary;
  const dtype = primary.dtype ?? fallback.dtype;
  let shape = primary.shape ?? fallback.shape;
  if (primary.shape && fallback.shape && primary.shape.length === fallback.shape.length) {
    shape = primary.shape.map((d, i) => (d === null ? fallback.shape![i]! : d));
  }
  return { dtype, shape, value: primary.value ?? fallback.value };
}

function infoOfValue(v: ValueInfoProto): TensorInfo {
  const tensorType = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
  if (!tensorType) return {};
  const dtype = tensorType.elemType ?? undefined;
  const dims = tensorType.shape?.dim;
  if (!tensorType.shape || !dims) return { dtype };
  return {
    dtype,
    shape: dims.map((d) => {
      if (d.value.case === 'dimParam' && d.value.value) return d.value.value;
      if (d.value.case === 'dimValue') return toNumber(d.value.value);
      return null;
    }),
  };
}

function valueInfo(name: string, dtype: number | undefined, shape: readonly Dim[] | undefined): ValueInfoProto {
  return makeValueInfo(name, dtype ?? DataType.FLOAT, shape);
}

/**
 * Appends `extra` (an encoded GraphProto holding only repeated fields) to the graph field of the model
 * bytes. Repeated fields of a message concatenate, so this equals decoding, appending and re-encoding,
 * without touching the rest of the model.
 */
function spliceIntoGraph(model: Uint8Array, extra: Uint8Array): Uint8Array {
  const reader = new BinaryReader(model);
  let field: { start: number; contentStart: number; contentEnd: number } | undefined;
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === 7 && wireType === WireType.LengthDelimited) {
      const content = reader.bytes();
      field = { start, contentStart: reader.pos - content.length, contentEnd: reader.pos };
    } else reader.skip(wireType, fieldNo);
  }
  if (!field) throw new ModelFormatError('The ONNX model has no graph field.');
  const header = new BinaryWriter()
    .tag(7, WireType.LengthDelimited)
    .uint32(field.contentEnd - field.contentStart + extra.length)
    .finish();
  const out = new Uint8Array(model.length + extra.length + header.length - (field.contentStart - field.start));
  let at = 0;
  const put = (part: Uint8Array) => {
    out.set(part, at);
    at += part.length;
  };
  put(model.subarray(0, field.start));
  put(header);
  put(model.subarray(field.contentStart, field.contentEnd));
  put(extra);
  put(model.subarray(field.contentEnd));
  return out;
}
