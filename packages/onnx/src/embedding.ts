import { OptionError } from '@salience/core';
import { ModelGraph, type ModelProto, makeNode, makeTensor, makeValueInfo, type NodeProto, type TensorProto } from '@salience/onnx-autodiff';
import { ElementType } from './graph-signature.js';
import { type LayerCatalogue, moduleScopes } from './layers.js';

/** Where a token model looks up its embeddings. */
export interface EmbeddingPoint {
  /** The tensor holding the embeddings: the Gather's output, [B, T, D] or the ids reshaped, then D. */
  readonly tensor: string;
  readonly node: NodeProto;
  /**
   * The Gather's indices when they are the ids reshaped or cast on the way (GPT-2's
   * `Reshape(input_ids)`); undefined when the Gather reads the ids themselves.
   */
  readonly reshapedIds: string | undefined;
  /** Rows of the table, when the table is a weight of the graph. */
  readonly vocabulary: number | undefined;
  readonly dimension: number | undefined;
}

// Ops that only rearrange or retype the ids without reordering them (row-major), so that a lookup of
// their output is the lookup of the ids, reshaped.
const ID_VIEWS = new Set(['Reshape', 'Flatten', 'Unsqueeze', 'Squeeze', 'Cast', 'Identity']);

/** The ids and every tensor that is the ids reshaped or cast. */
function idViews(graph: ModelGraph, ids: string): Set<string> {
  const views = new Set([ids]);
  for (const node of graph.nodes) {
    if ((node.domain ?? '') === '' && ID_VIEWS.has(node.opType ?? '') && views.has(node.input?.[0] ?? '')) views.add(node.output![0]!);
  }
  return views;
}

/** A weight table: an initializer, a Constant, or either through Identity (a tied weight). */
function isTable(graph: ModelGraph, name: string): boolean {
  for (let current = name, hops = 0; hops < 4; hops++) {
    if (graph.isInitializer(current)) return true;
    const producer = graph.producer(current);
    if (producer?.opType === 'Constant') return true;
    if (producer?.opType !== 'Identity') return false;
    current = producer.input![0]!;
  }
  return false;
}

function isLookup(node: NodeProto): boolean {
  const axis = node.attribute?.find((a) => a.name === 'axis');
  return node.opType === 'Gather' && (node.domain ?? '') === '' && (axis === undefined || Number(axis.i ?? 0) === 0);
}

/**
 * Gathers that look up the ids (or the ids reshaped, when the table's width is known: the
 * embeddings-input graph reshapes what is fed with it) in a weight table.
 */
function lookupsOf(graph: ModelGraph, ids: string): NodeProto[] {
  const views = idViews(graph, ids);
  const width = (n: NodeProto) => graph.info(n.input?.[0] ?? '').shape?.[1];
  return graph.nodes.filter((n) => {
    const indices = n.input?.[1] ?? '';
    return isLookup(n) && views.has(indices) && isTable(graph, n.input?.[0] ?? '') && (indices === ids || typeof width(n) === 'number');
  });
}

function pointOf(graph: ModelGraph, node: NodeProto, ids: string): EmbeddingPoint {
  const table = graph.info(node.input![0]!).shape;
  const [vocabulary, dimension] = [table?.[0], table?.[1]];
  const indices = node.input![1]!;
  // Embeddings fed for reshaped ids are reshaped in the graph, which needs the table's width.
  const reshaped = indices !== ids && typeof dimension === 'number' && idViews(graph, ids).has(indices);
  return {
    tensor: node.output![0]!,
    node,
    reshapedIds: reshaped ? indices : undefined,
    vocabulary: typeof vocabulary === 'number' ? vocabulary : undefined,
    dimension: typeof dimension === 'number' ? dimension : undefined,
  };
}

/**
 * The lookups a name fragment picks, best match first: the module itself ('transformer.wte'), a
 * module ending in it ('wte'), then any node, output or table name containing it.
 */
function lookupsNamed(lookups: readonly NodeProto[], asked: string): NodeProto[] {
  const tiers: ((n: NodeProto) => boolean)[] = [
    (n) => moduleScopes(n.name).includes(asked),
    (n) => moduleScopes(n.name).some((s) => s.endsWith(`.${asked}`)),
    (n) => [n.name, n.output?.[0], n.input?.[0]].some((s) => s?.includes(asked)),
  ];
  for (const matches of tiers) {
    const found = lookups.filter(matches);
    if (found.length > 0) return found;
  }
  return [];
}

/**
 * The embedding lookup of a token model: the one Gather that reads the ids (directly or through
 * Reshape, Flatten, Unsqueeze, Squeeze, Cast) from a weight table, or the one the option names by
 * tensor, module ('transformer.wte' or 'wte') or a fragment of its node or table name.
 */
export function findEmbedding(graph: ModelGraph, ids: string, asked: string | undefined, layers: LayerCatalogue): EmbeddingPoint | undefined {
  const lookups = lookupsOf(graph, ids);
  const names = () => lookups.map((n) => `'${n.output![0]}'${n.name ? ` (node '${n.name}')` : ''}`).join(', ');
  if (asked === undefined) return lookups.length === 1 ? pointOf(graph, lookups[0]!, ids) : undefined;
  const gatherOf = (tensor: string | undefined) => {
    const producer = tensor === undefined ? undefined : graph.producer(tensor);
    return producer && isLookup(producer) ? producer : undefined;
  };
  // A tensor name: any Gather's output.
  const exact = graph.has(asked) ? gatherOf(asked) : undefined;
  if (exact) return pointOf(graph, exact, ids);
  const named = lookupsNamed(lookups, asked);
  if (named.length === 1) return pointOf(graph, named[0]!, ids);
  if (named.length > 1)
    throw new OptionError(`embedding '${asked}' names ${named.length} lookups of the ids: ${named.map((n) => `'${n.output![0]}'`).join(', ')}; name one by its tensor.`);
  // A layer name of model.layers() whose tensor is a Gather's output.
  const layer = gatherOf(layers.find(asked));
  if (layer) return pointOf(graph, layer, ids);
  throw new OptionError(
    `embedding '${asked}' is not the output of a Gather node; ${lookups.length > 0 ? `the lookups of the ids are ${names()}` : 'no Gather reads the ids from a weight table'}.`,
  );
}

/**
 * Nodes that turn embeddings fed as [ids shape..., D] into what the lookup of the reshaped ids gave:
 * Reshape(embeddings, Concat(Shape(reshaped ids), [D])). Exact, since the views keep the ids' order.
 */
function reshapeNodes(graph: ModelGraph, point: EmbeddingPoint, fed: string, out: string): { nodes: NodeProto[]; initializer: TensorProto } {
  const unique = (base: string) => graph.uniqueName(base);
  const [shape, width, target] = [unique('salience/embedding_ids_shape'), unique('salience/embedding_width'), unique('salience/embedding_shape')];
  return {
    nodes: [
      makeNode('Shape', [point.reshapedIds!], [shape], undefined, { name: unique('salience/EmbeddingIdsShape') }),
      makeNode('Concat', [shape, width], [target], { axis: 0 }, { name: unique('salience/EmbeddingShape') }),
      makeNode('Reshape', [fed, target], [out], undefined, { name: unique('salience/EmbeddingReshape') }),
    ],
    initializer: makeTensor(width, ElementType.INT64, [1], [point.dimension!]),
  };
}

/**
 * The model with its embedding lookup replaced by a graph input of the same name, [ids shape..., D],
 * for running from given embeddings. When the lookup read the ids reshaped (GPT-2), the input is
 * reshaped as the ids were and the ids stay an input for that shape. The ids stay an input only
 * when something else reads them (e.g. a mask computed from them, or that shape).
 */
export function embeddingInputGraph(graph: ModelGraph, point: EmbeddingPoint, ids: string): ModelGraph {
  const original = graph.original;
  let nodes = (original.graph!.node ?? []).filter((n) => n !== point.node && !(n.name && n.name === point.node.name));
  let extraInitializer: TensorProto[] = [];
  if (point.reshapedIds !== undefined) {
    // Consumers of the lookup read the reshaped input instead; the new nodes go where the lookup was.
    const reshaped = graph.uniqueName(`${point.tensor}_reshaped`);
    const at = (original.graph!.node ?? []).findIndex((n) => n === point.node || (n.name && n.name === point.node.name));
    const rename = (n: NodeProto): NodeProto => ((n.input ?? []).includes(point.tensor) ? { ...n, input: n.input!.map((i) => (i === point.tensor ? reshaped : i)) } : n);
    const added = reshapeNodes(graph, point, point.tensor, reshaped);
    nodes = nodes.map(rename);
    nodes.splice(at, 0, ...added.nodes);
    extraInitializer = [added.initializer];
  }
  const idsRead = nodes.some((n) => (n.input ?? []).includes(ids)) || (original.graph!.output ?? []).some((o) => o.name === ids);
  const idsDims = graph.info(ids).shape;
  const dims = point.reshapedIds !== undefined && idsDims ? [...idsDims, point.dimension!] : (graph.info(point.tensor).shape ?? [null, null, point.dimension ?? null]);
  const inputs = [...(original.graph!.input ?? []).filter((v) => idsRead || v.name !== ids), makeValueInfo(point.tensor, ElementType.FLOAT, dims)];
  // The table is dropped with its lookup unless another node reads it (tied output weights).
  const read = new Set(nodes.flatMap((n) => n.input ?? []));
  const initializer = [...(original.graph!.initializer ?? []).filter((t) => read.has(t.name ?? '')), ...extraInitializer];
  const kept = new Set(initializer.map((t) => t.name));
  const declared = inputs.filter((v) => v.name === point.tensor || v.name === ids || !graph.isInitializer(v.name ?? '') || kept.has(v.name));
  const edited: ModelProto = { ...original, graph: { ...original.graph!, node: nodes, input: declared, initializer } };
  return ModelGraph.from(edited);
}

/** Whether the embeddings-input graph still takes the ids. */
export function stillTakesIds(graph: ModelGraph, ids: string): boolean {
  return graph.inputs.includes(ids);
}
