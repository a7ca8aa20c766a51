import { OptionError } from '@salience/core';
import { type Dim, ModelGraph, type ModelProto, type NodeProto } from '@salience/onnx-autodiff';
import { ElementType } from './graph-signature.js';

/** A graph that runs from given activations at a layer. */
export interface LayerInputGraph {
  readonly graph: ModelGraph;
  /** The graph input that takes the layer's activations. */
  readonly input: string;
}

/** Names of the tensors a subgraph (If, Loop, Scan body) reads, including its own nested ones. */
function subgraphReads(node: NodeProto): string[] {
  const reads: string[] = [];
  for (const attribute of node.attribute ?? []) {
    for (const body of [attribute.g, ...(attribute.graphs ?? [])]) {
      for (const inner of body?.node ?? []) reads.push(...(inner.input ?? []), ...subgraphReads(inner));
    }
  }
  return reads;
}

/**
 * The model with the output of `tensor` replaced by a new graph input, [batch, ...the tensor's
 * dims]: every node that read the tensor reads the input, and the nodes the outputs no longer need
 * (the layer and whatever only fed it) are pruned, with the weights and graph inputs only they
 * read. What still reads the model's input (a skip connection around the layer, a mask) stays and
 * keeps that input, so the rest of the model runs exactly as with the layer's output replaced.
 */
export function layerInputGraph(graph: ModelGraph, tensor: string): LayerInputGraph {
  const original = graph.original;
  const outputs = (original.graph!.output ?? []).map((o) => o.name ?? '');
  if (outputs.includes(tensor)) throw new OptionError(`Layer '${tensor}' is an output of the model; choose a layer before the logits to run from.`);
  const input = graph.uniqueName(`${tensor}_given`);
  const info = graph.info(tensor);
  // Activations are fed as float32; a float16 or double layer gets them through a Cast.
  const cast = info.dtype !== undefined && info.dtype !== ElementType.FLOAT;
  const read = cast ? graph.uniqueName(`${tensor}_given_cast`) : input;
  const dims: Dim[] = (info.shape ?? []).map((d, axis) => (typeof d === 'number' && axis > 0 ? d : typeof d === 'string' ? d : `${input}_dim${axis}`));
  const made = newMessages(input, dims, cast ? { output: read, to: info.dtype!, name: graph.uniqueName('salience/LayerInputCast') } : undefined);
  const reroute = (n: NodeProto): NodeProto => ((n.input ?? []).includes(tensor) ? { ...n, input: n.input!.map((i) => (i === tensor ? read : i)) } : n);
  const nodes = (original.graph!.node ?? []).map(reroute);
  if (made.cast) nodes.unshift(made.cast);
  if (nodes.some((n) => subgraphReads(n).includes(tensor))) {
    throw new OptionError(`Layer '${tensor}' is read inside a control-flow subgraph (If, Loop or Scan), which salience cannot rewire; choose another layer.`);
  }
  // Walk back from the outputs: a node is kept when one of its outputs is read by a kept node.
  const needed = new Set(outputs);
  const kept: boolean[] = new Array(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!(node.output ?? []).some((o) => o && needed.has(o))) continue;
    kept[i] = true;
    for (const name of [...(node.input ?? []), ...subgraphReads(node)]) if (name) needed.add(name);
  }
  const body = nodes.filter((_, i) => kept[i]);
  const initializer = (original.graph!.initializer ?? []).filter((t) => needed.has(t.name ?? ''));
  const inputs = (original.graph!.input ?? []).filter((v) => needed.has(v.name ?? ''));
  const edited: ModelProto = { ...original, graph: { ...original.graph!, node: body, input: [...inputs, made.input], initializer } };
  return { graph: ModelGraph.from(edited), input };
}

/**
 * The new input's declaration (float32) and the Cast node, made as the ONNX library makes its
 * messages: written into a small model through ModelGraph's own API and read back from its bytes.
 */
function newMessages(input: string, dims: readonly Dim[], cast: { output: string; to: number; name: string } | undefined): { input: ValueInfoOf; cast?: NodeProto } {
  const g = ModelGraph.create({ inputs: [{ name: input, type: 'float32', shape: dims }] });
  if (cast) {
    g.add('Cast', [input], { to: cast.to }, { name: cast.name, output: cast.output });
    g.addOutput(cast.output);
  }
  const made = ModelGraph.decode(g.toBytes()).original.graph!;
  return { input: made.input![0]!, cast: cast ? made.node![0] : undefined };
}

type ValueInfoOf = NonNullable<NonNullable<ModelProto['graph']>['input']>[number];
