import { createRng } from '@salience/core';
import type { AnalyticNet, RowState } from './analytic-net.js';
import type { FakeModelOptions } from './fake-model.js';
import { FakeModel } from './fake-model.js';

export interface TabularFakeOptions extends FakeModelOptions {
  readonly features?: number;
  readonly hidden?: number;
  readonly classes?: number;
  /** Seeds the parameters; the same seed gives the same model. */
  readonly seed?: number;
}

/**
 * Parameters of the tabular fake:
 * hidden_j = sin(U_j . x)  (layer 'hidden'),
 * logits_c = W_c . x + a_c * sum(x^2) + V_c . hidden + b_c.
 */
export interface TabularParams {
  readonly features: number;
  readonly hidden: number;
  readonly classes: number;
  /** [classes, features] */
  readonly W: Float64Array;
  /** [classes] */
  readonly a: Float64Array;
  /** [classes] */
  readonly b: Float64Array;
  /** [hidden, features] */
  readonly U: Float64Array;
  /** [classes, hidden] */
  readonly V: Float64Array;
}

export function tabularParams(options: TabularFakeOptions = {}): TabularParams {
  const { features = 6, hidden = 4, classes = 3, seed = 1 } = options;
  const rng = createRng(seed);
  const normal = (n: number, std: number) => Float64Array.from({ length: n }, () => std * rng.normal());
  return {
    features,
    hidden,
    classes,
    W: normal(classes * features, 0.6),
    a: normal(classes, 0.25),
    b: normal(classes, 0.3),
    U: normal(hidden * features, 0.7),
    V: normal(classes * hidden, 0.8),
  };
}

function tabularNet(p: TabularParams): AnalyticNet {
  const { features: F, hidden: H, classes: K, W, a, b, U, V } = p;
  return {
    classes: K,
    layers: [{ info: { name: 'hidden', kind: 'Dense', outputShape: [null, H], spatial: false }, rowShape: () => [H] }],
    forward(x, rowShape): RowState {
      const pre = new Float64Array(H);
      const hidden = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        let s = 0;
        for (let i = 0; i < F; i++) s += U[j * F + i]! * x[i]!;
        pre[j] = s;
        hidden[j] = Math.sin(s);
      }
      let squares = 0;
      for (let i = 0; i < F; i++) squares += x[i]! * x[i]!;
      const logits = new Float64Array(K);
      for (let c = 0; c < K; c++) {
        let z = b[c]! + a[c]! * squares;
        for (let i = 0; i < F; i++) z += W[c * F + i]! * x[i]!;
        for (let j = 0; j < H; j++) z += V[c * H + j]! * hidden[j]!;
        logits[c] = z;
      }
      return { x, rowShape, logits, layers: { hidden, pre } };
    },
    backward(state, g) {
      const { x } = state;
      const pre = state.layers.pre!;
      const gHidden = new Float64Array(H);
      for (let j = 0; j < H; j++) for (let c = 0; c < K; c++) gHidden[j]! += g[c]! * V[c * H + j]!;
      let gSquares = 0;
      for (let c = 0; c < K; c++) gSquares += g[c]! * a[c]!;
      const input = new Float64Array(F);
      for (let i = 0; i < F; i++) {
        let s = 2 * gSquares * x[i]!;
        for (let c = 0; c < K; c++) s += g[c]! * W[c * F + i]!;
        for (let j = 0; j < H; j++) s += gHidden[j]! * Math.cos(pre[j]!) * U[j * F + i]!;
        input[i] = s;
      }
      return { input, layers: { hidden: gHidden } };
    },
  };
}

/** A feature-vector model (layout 'NC', input [B, features]) with exactly known gradients and a layer 'hidden'. */
export function createTabularModel(options: TabularFakeOptions = {}): FakeModel & { readonly params: TabularParams } {
  const params = tabularParams(options);
  const model = new FakeModel(
    {
      layout: 'NC',
      inputShape: [null, params.features],
      provides: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'],
      net: tabularNet(params),
    },
    options,
  );
  return Object.assign(model, { params });
}

/** A model that gives logits only (the tabular fake's): every gradient or layer request is a CapabilityError. */
export function createForwardOnlyModel(options: Omit<TabularFakeOptions, 'capabilities'> = {}): FakeModel & { readonly params: TabularParams } {
  return createTabularModel({ ...options, capabilities: ['logits'] });
}
