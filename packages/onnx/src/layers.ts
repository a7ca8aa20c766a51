import type { LayerInfo } from '@salience/core';
import { UnknownLayerError } from '@salience/core';
import type { ModelGraph } from '@salience/onnx-autodiff';
import { isFloatElement } from './graph-signature.js';

/**
 * The PyTorch module path of a node named by the TorchScript exporter ('/layer1/layer1.0/conv1/Conv'
 * is 'layer1.0.conv1'), with each enclosing module: ['layer1', 'layer1.0', 'layer1.0.conv1'].
 * Other names give none.
 */
export function moduleScopes(nodeName: string | null | undefined): string[] {
  if (!nodeName?.startsWith('/')) return [];
  const segments = nodeName.split('/').filter(Boolean).slice(0, -1);
  const scopes: string[] = [];
  let qualified = '';
  let previous = '';
  for (const segment of segments) {
    // A child of a Sequential or ModuleList is written with its parent's name ('down/down.0').
    qualified = !qualified ? segment : segment.startsWith(`${previous}.`) ? qualified + segment.slice(previous.length) : `${qualified}.${segment}`;
    previous = segment;
    scopes.push(qualified);
  }
  return scopes;
}

/** Tensors computed from `start`: what can be a layer (constants and shape arithmetic of weights are not). */
function dependentTensors(graph: ModelGraph, start: string): Set<string> {
  const reached = new Set([start]);
  for (const node of graph.nodes) {
    if ((node.input ?? []).some((name) => reached.has(name))) for (const out of node.output ?? []) if (out) reached.add(out);
  }
  return reached;
}

function describeOf(graph: ModelGraph, tensor: string, kind: string): Omit<LayerInfo, 'name'> {
  const shape = graph.info(tensor).shape ?? [];
  const outputShape = shape.map((d) => (typeof d === 'number' ? d : null));
  const spatial = outputShape.length === 4;
  // ONNX convolutions and pools are channels-first whatever the input's layout.
  return spatial ? { kind, outputShape, spatial, channelAxis: 1 } : { kind, outputShape, spatial };
}

/**
 * The layers a request may name: every float tensor computed from the input, once, with the
 * producing op as kind. A tensor that is the output of PyTorch modules is listed under the largest
 * of them ('c3' for '/c3/Conv_output_0', 'layer4' for the last tensor of '/layer4/...'), others
 * under their tensor name. Requests may also use the tensor name, or an inner module's name.
 */
export class LayerCatalogue {
  readonly list: readonly LayerInfo[];
  private readonly tensors: ReadonlyMap<string, string>;

  constructor(graph: ModelGraph, input: string) {
    const reached = dependentTensors(graph, input);
    const isLayer = (tensor: string) => tensor !== input && reached.has(tensor) && isFloatElement(graph.info(tensor).dtype) && graph.info(tensor).shape !== undefined;
    // The last node inside a module's scope gives the module's output.
    const moduleOutput = new Map<string, string>();
    for (const node of graph.nodes) {
      const first = node.output?.[0];
      if (!first || !isLayer(first)) continue;
      for (const scope of moduleScopes(node.name)) moduleOutput.set(scope, first);
    }
    // Scopes are met outermost first, so the first module recorded for a tensor is its largest.
    const modulesOf = new Map<string, string[]>();
    for (const [scope, tensor] of moduleOutput) {
      if (graph.has(scope)) continue;
      modulesOf.set(tensor, [...(modulesOf.get(tensor) ?? []), scope]);
    }
    const list: LayerInfo[] = [];
    const tensors = new Map<string, string>();
    for (const node of graph.nodes) {
      for (const tensor of node.output ?? []) {
        if (!tensor || !isLayer(tensor)) continue;
        const modules = modulesOf.get(tensor) ?? [];
        const name = modules[0] ?? tensor;
        const aliases = [tensor, ...modules].filter((alias) => alias !== name);
        list.push({ name, ...describeOf(graph, tensor, node.opType ?? ''), ...(aliases.length > 0 ? { aliases } : {}) });
        for (const name of [tensor, ...modules]) tensors.set(name, tensor);
      }
    }
    this.list = list;
    this.tensors = tensors;
  }

  /** The tensor a layer name stands for; UnknownLayerError listing the layers otherwise. */
  tensorOf(name: string): string {
    const tensor = this.tensors.get(name);
    if (tensor === undefined)
      throw new UnknownLayerError(
        name,
        this.list.map((l) => l.name),
      );
    return tensor;
  }

  /** The tensor a name stands for, or undefined. */
  find(name: string): string | undefined {
    return this.tensors.get(name);
  }
}
