import { create } from '@bufbuild/protobuf';
import { createRng, OptionError } from '@salience/core';
import { ModelGraph, type NodeProto, type TensorProto, TensorProtoSchema } from '@salience/onnx-autodiff';
import { ElementType } from './graph-signature.js';
import { type LayerCatalogue, moduleScopes } from './layers.js';

type Fill = (values: Float32Array, rng: ReturnType<typeof createRng>) => void;

const uniform =
  (bound: number): Fill =>
  (values, rng) =>
    rng.fillUniform(values, -bound, bound);
const constant =
  (value: number): Fill =>
  (values) =>
    values.fill(value);

function numbers(dims: TensorProto['dims']): number[] {
  return (dims ?? []).map((d) => Number(d));
}

function attribute(node: NodeProto, name: string): number | undefined {
  const found = (node.attribute ?? []).find((a) => a.name === name);
  return found?.i === undefined || found.i === null ? undefined : Number(found.i);
}

/**
 * How PyTorch's `reset_parameters` initialises each weight input of a node: convolution and linear
 * weights and biases uniform in +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5)), embeddings
 * standard normal, normalisation scale 1 and shift 0 (and running statistics 0 and 1).
 */
function initializersOf(node: NodeProto, dimsOf: (name: string) => number[] | undefined): Map<string, Fill> {
  const fills = new Map<string, Fill>();
  const inputs = node.input ?? [];
  const at = (i: number) => (inputs[i] && dimsOf(inputs[i]) ? inputs[i] : undefined);
  const fanIn = (dims: number[], axis: number) => dims[axis]! * dims.slice(2).reduce((a, b) => a * b, 1);
  const set = (name: string | undefined, fill: Fill) => {
    if (name) fills.set(name, fill);
  };
  switch (node.opType) {
    case 'Conv':
    case 'ConvTranspose': {
      const weight = at(1);
      if (!weight) break;
      // PyTorch's fan_in is the weight's dimension 1 times the kernel, for both.
      const bound = 1 / Math.sqrt(fanIn(dimsOf(weight)!, 1));
      set(weight, uniform(bound));
      set(at(2), uniform(bound));
      break;
    }
    case 'Gemm': {
      const weight = at(1);
      if (!weight) break;
      const dims = dimsOf(weight)!;
      const bound = 1 / Math.sqrt((attribute(node, 'transB') === 1 ? dims[1] : dims[0])!);
      set(weight, uniform(bound));
      set(at(2), uniform(bound));
      break;
    }
    case 'MatMul': {
      for (const i of [1, 0]) {
        const weight = at(i);
        const dims = weight ? dimsOf(weight)! : undefined;
        if (weight && dims && dims.length === 2) {
          set(weight, uniform(1 / Math.sqrt(dims[i === 1 ? 0 : 1]!)));
          break;
        }
      }
      break;
    }
    case 'Gather':
      set(at(0), (values, rng) => rng.fillNormal(values, 0, 1));
      break;
    case 'BatchNormalization':
      set(at(1), constant(1));
      set(at(2), constant(0));
      set(at(3), constant(0));
      set(at(4), constant(1));
      break;
    case 'LayerNormalization':
    case 'InstanceNormalization':
      set(at(1), constant(1));
      set(at(2), constant(0));
      break;
  }
  return fills;
}

/** A seed per weight, from the call's seed and the weight's name: the same weight draws the same values whatever else is randomised. */
function weightSeed(seed: number, name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619) >>> 0;
  return (hash ^ Math.imul(seed, 2654435761)) >>> 0;
}

/**
 * The model with the weights of the named layers drawn afresh: a layer named by a PyTorch module
 * re-initialises every weight inside that module, one named by a tensor the weights of the node
 * that computes it. Other weights keep their trained values.
 */
export function randomizedModel(graph: ModelGraph, catalogue: LayerCatalogue, layers: readonly string[], seed: number): Uint8Array {
  const original = graph.original;
  const initializers = original.graph!.initializer ?? [];
  const floatWeights = new Map(initializers.filter((t) => t.dataType === ElementType.FLOAT).map((t) => [t.name ?? '', t]));
  const dimsOf = (name: string) => (floatWeights.has(name) ? numbers(floatWeights.get(name)!.dims) : undefined);
  const nodesOf = (layer: string): NodeProto[] => {
    const tensor = catalogue.tensorOf(layer);
    const inModule = graph.nodes.filter((node) => moduleScopes(node.name).includes(layer));
    return inModule.length > 0 ? inModule : [graph.producer(tensor)!];
  };
  const fills = new Map<string, Fill>();
  for (const layer of layers) {
    const found = new Map<string, Fill>();
    for (const node of nodesOf(layer)) for (const [name, fill] of initializersOf(node, dimsOf)) found.set(name, fill);
    if (found.size === 0) {
      const withWeights = catalogue.list.filter((l) => nodesOf(l.name).some((node) => initializersOf(node, dimsOf).size > 0)).map((l) => l.name);
      throw new OptionError(`Layer '${layer}' has no weights to randomise; layers with weights: ${withWeights.join(', ') || 'none'}.`);
    }
    for (const [name, fill] of found) fills.set(name, fill);
  }
  const replaced = initializers.map((tensor) => {
    const fill = fills.get(tensor.name ?? '');
    if (!fill) return tensor;
    const dims = numbers(tensor.dims);
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    fill(values, createRng(weightSeed(seed, tensor.name ?? '')));
    return create(TensorProtoSchema, { name: tensor.name, dims: tensor.dims, dataType: ElementType.FLOAT, rawData: new Uint8Array(values.buffer) });
  });
  return ModelGraph.from({ ...original, graph: { ...original.graph!, initializer: replaced } }).toBytes();
}
