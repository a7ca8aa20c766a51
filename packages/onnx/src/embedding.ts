import { OptionError } from '@salience/core';
import { type Dim, ModelGraph, type ModelProto, type NodeProto } from '@salience/onnx-autodiff';
import { ElementType } from './graph-signature.js';
import type { LayerCatalogue } from './layers.js';

/** Where a token model looks up its embeddings. */
export interface EmbeddingPoint {
  /** The tensor holding the embeddings [B, T, D]: the Gather's output. */
  readonly tensor: string;
  readonly node: NodeProto;
  /** Rows of the table, when the table is a weight of the graph. */
  readonly vocabulary: number | undefined;
  readonly dimension: number | undefined;
}

function lookupsOf(graph: ModelGraph, ids: string): NodeProto[] {
  return graph.nodes.filter((n) => n.opType === 'Gather' && (n.domain ?? '') === '' && n.input?.[1] === ids && graph.isInitializer(n.input?.[0] ?? ''));
}

function pointOf(graph: ModelGraph, node: NodeProto): EmbeddingPoint {
  const table = graph.info(node.input![0]).shape;
  const [vocabulary, dimension] = [table?.[0], table?.[1]];
  return {
    tensor: node.output![0],
    node,
    vocabulary: typeof vocabulary === 'number' ? vocabulary : undefined,
    dimension: typeof dimension === 'number' ? dimension : undefined,
  };
}

/** The embedding lookup of a token model: named by the option, or the one Gather that reads the ids. */
export function findEmbedding(graph: ModelGraph, ids: string, asked: string | undefined, layers: LayerCatalogue): EmbeddingPoint | undefined {
  const lookups = lookupsOf(graph, ids);
  if (asked === undefined) return lookups.length === 1 ? pointOf(graph, lookups[0]) : undefined;
  const tensor = layers.find(asked) ?? asked;
  const node = graph.producer(tensor);
  if (node?.opType !== 'Gather') {
    const found = lookups.map((n) => `'${n.output![0]}'`).join(', ');
    throw new OptionError(
      `embedding '${asked}' is not the output of a Gather node; ${found ? `the lookups of the ids are ${found}` : 'no Gather reads the ids from a weight table'}.`,
    );
  }
  return pointOf(graph, node);
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]) {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {}));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/**
 * The model with its embedding lookup replaced by a graph input of the same name, for running from
 * given embeddings. The ids stay an input only when something else reads them (e.g. a mask).
 */
export function embeddingInputGraph(graph: ModelGraph, point: EmbeddingPoint, ids: string): ModelGraph {
  const original = graph.original;
  const nodes = (original.graph!.node ?? []).filter((n) => n !== point.node && !(n.name && n.name === point.node.name));
  const idsRead = nodes.some((n) => (n.input ?? []).includes(ids)) || (original.graph!.output ?? []).some((o) => o.name === ids);
  const dims = graph.info(point.tensor).shape ?? [null, null, point.dimension ?? null];
  const inputs = [...(original.graph!.input ?? []).filter((v) => idsRead || v.name !== ids), valueInfo(point.tensor, ElementType.FLOAT, dims)];
  // The table is dropped with its lookup unless another node reads it (tied output weights).
  const read = new Set(nodes.flatMap((n) => n.input ?? []));
  const initializer = (original.graph!.initializer ?? []).filter((t) => read.has(t.name ?? ''));
  const kept = new Set(initializer.map((t) => t.name));
  const declared = inputs.filter((v) => v.name === point.tensor || v.name === ids || !graph.isInitializer(v.name ?? '') || kept.has(v.name));
  const edited: ModelProto = { ...original, graph: { ...original.graph, node: nodes, input: declared, initializer } };
  return ModelGraph.from(edited);
}

/** Whether the embeddings-input graph still takes the ids. */
export function stillTakesIds(graph: ModelGraph, ids: string): boolean {
  return graph.inputs.includes(ids);
}
