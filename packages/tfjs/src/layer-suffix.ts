import type { Tensor, TfjsLayer, TfjsLayersModel } from './tf-types.js';

/** The parts of tfjs-layers' symbolic graph that the suffix walks (structural: tfjs-layers stays optional). */
interface SymbolicTensor {
  readonly id: number;
  readonly sourceLayer: GraphLayer;
  readonly nodeIndex: number;
  readonly tensorIndex: number;
}

interface GraphLayer extends TfjsLayer {
  readonly inboundNodes: readonly { readonly inputTensors: readonly SymbolicTensor[]; readonly callArgs?: Record<string, unknown> }[];
  apply(inputs: Tensor | Tensor[], kwargs?: Record<string, unknown>): Tensor | Tensor[];
}

/** Computes the model's output from a layer's output, without the layers before it. */
export type LayerSuffix = (given: Tensor) => Tensor;

/**
 * The part of a LayersModel after `layer`, when every path from the model's input to its output
 * goes through that layer (a Sequential, a functional model cut between blocks): the layers after
 * it are applied to a given output of it, and the layers before it never run. Undefined where some
 * path bypasses the layer (a skip connection around it), the layer sits inside a nested model, or
 * the graph cannot be read; the caller then runs the whole model with the layer's output replaced.
 */
export function layerSuffix(model: TfjsLayersModel, layer: TfjsLayer): LayerSuffix | undefined {
  const output = (model.outputs as unknown as readonly Partial<SymbolicTensor>[])[0];
  // A layer called more than once has no single output to replace (the interception says so).
  if (!isSymbolic(output) || ((layer as GraphLayer).inboundNodes?.length ?? 0) > 1) return undefined;
  // Walk back from the output; reaching the input other than through the layer makes it unusable.
  const seen = new Set<number>();
  const feasible = (t: SymbolicTensor): boolean => {
    if (t.sourceLayer === layer) return true;
    if (seen.has(t.id)) return true;
    seen.add(t.id);
    const node = t.sourceLayer.inboundNodes?.[t.nodeIndex];
    const inputs = node?.inputTensors ?? [];
    // The model's input (an InputLayer, whose node reads its own output) is reached by a path that bypasses the cut.
    if (t.sourceLayer.getClassName() === 'InputLayer' || inputs.length === 0 || !inputs.every(isSymbolic) || inputs.some((i) => i.id === t.id)) return false;
    return inputs.every(feasible);
  };
  if (!feasible(output)) return undefined;
  return (given) => {
    const values = new Map<number, Tensor>();
    const evaluate = (t: SymbolicTensor): Tensor => {
      if (t.sourceLayer === layer) return given;
      const known = values.get(t.id);
      if (known) return known;
      const node = t.sourceLayer.inboundNodes[t.nodeIndex]!;
      const inputs = node.inputTensors.map(evaluate);
      const out = t.sourceLayer.apply((inputs.length === 1 ? inputs[0] : inputs)!, { ...node.callArgs, training: false });
      const value = (Array.isArray(out) ? out[t.tensorIndex] : out)!;
      values.set(t.id, value);
      return value;
    };
    return evaluate(output);
  };
}

function isSymbolic(t: unknown): t is SymbolicTensor {
  const s = t as Partial<SymbolicTensor> | undefined;
  return typeof s?.id === 'number' && typeof s.nodeIndex === 'number' && typeof s.sourceLayer === 'object' && s.sourceLayer !== null;
}
