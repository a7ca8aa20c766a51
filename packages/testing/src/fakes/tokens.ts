import { createRng } from '@salience/core';
import type { AnalyticNet, RowState } from './analytic-net.js';
import type { FakeModelOptions } from './fake-model.js';
import { FakeModel } from './fake-model.js';

export interface TokenFakeOptions extends FakeModelOptions {
  readonly vocab?: number;
  /** Embedding size D. */
  readonly dim?: number;
  /** Channels of the layer 'hidden'. */
  readonly hidden?: number;
  readonly classes?: number;
  readonly seed?: number;
}

/**
 * Parameters of the token fake, over embeddings e [T, D] (row `padTokenId` of the table is zero):
 * hidden_t,k = tanh(A_k . e_t + B_k . e_(t-1) + c_k)   (layer 'hidden'; e_(-1) = 0),
 * logits_j = Q_j . mean_t hidden_t + b_j.
 */
export interface TokenParams {
  readonly vocab: number;
  readonly dim: number;
  readonly hidden: number;
  readonly classes: number;
  readonly padTokenId: 0;
  /** [vocab, dim] */
  readonly table: Float32Array;
  /** [hidden, dim] */
  readonly A: Float64Array;
  /** [hidden, dim] */
  readonly B: Float64Array;
  /** [hidden] */
  readonly c: Float64Array;
  /** [classes, hidden] */
  readonly Q: Float64Array;
  /** [classes] */
  readonly b: Float64Array;
}

export function tokenParams(options: TokenFakeOptions = {}): TokenParams {
  const { vocab = 16, dim = 4, hidden = 3, classes = 3, seed = 3 } = options;
  const rng = createRng(seed);
  const normal = (n: number, std: number) => Float64Array.from({ length: n }, () => std * rng.normal());
  const table = new Float32Array(vocab * dim);
  for (let i = dim; i < table.length; i++) table[i] = rng.normal();
  return {
    vocab,
    dim,
    hidden,
    classes,
    padTokenId: 0,
    table,
    A: normal(hidden * dim, 0.6),
    B: normal(hidden * dim, 0.4),
    c: normal(hidden, 0.2),
    Q: normal(classes * hidden, 1.5),
    b: normal(classes, 0.2),
  };
}

function tokenNet(p: TokenParams): AnalyticNet {
  const { dim: D, hidden: K, classes: J, A, B, c, Q, b } = p;
  return {
    classes: J,
    layers: [
      { info: { name: 'emb', kind: 'Embedding', outputShape: [null, null, D], spatial: false }, rowShape: (s) => [s[0]!, D] },
      { info: { name: 'hidden', kind: 'Conv1D', outputShape: [null, null, K], spatial: false }, rowShape: (s) => [s[0]!, K] },
    ],
    forward(e, rowShape): RowState {
      const T = rowShape[0]!;
      const hidden = new Float64Array(T * K);
      const logits = new Float64Array(J);
      for (let t = 0; t < T; t++) {
        for (let k = 0; k < K; k++) {
          let s = c[k]!;
          for (let d = 0; d < D; d++) {
            s += A[k * D + d]! * e[t * D + d]!;
            if (t > 0) s += B[k * D + d]! * e[(t - 1) * D + d]!;
          }
          const h = Math.tanh(s);
          hidden[t * K + k] = h;
          for (let j = 0; j < J; j++) logits[j]! += (Q[j * K + k]! * h) / T;
        }
      }
      for (let j = 0; j < J; j++) logits[j]! += b[j]!;
      return { x: e, rowShape, logits, layers: { emb: e, hidden } };
    },
    backward(state, g) {
      const T = state.rowShape[0]!;
      const hidden = state.layers.hidden!;
      const gHidden = new Float64Array(T * K);
      const gEmb = new Float64Array(T * D);
      for (let t = 0; t < T; t++) {
        for (let k = 0; k < K; k++) {
          let gh = 0;
          for (let j = 0; j < J; j++) gh += (g[j]! * Q[j * K + k]!) / T;
          gHidden[t * K + k] = gh;
          const h = hidden[t * K + k]!;
          const gs = gh * (1 - h * h);
          for (let d = 0; d < D; d++) {
            gEmb[t * D + d]! += gs * A[k * D + d]!;
            if (t > 0) gEmb[(t - 1) * D + d]! += gs * B[k * D + d]!;
          }
        }
      }
      return { input: gEmb, layers: { emb: gEmb, hidden: gHidden } };
    },
  };
}

/**
 * A token model (layout 'tokens', input ids [B, T] as floats, any T, pad id 0) with an embedding
 * table: gives embeddings and exact embedding gradients, runs from `request.embeddings`, and has
 * the layers 'emb' and 'hidden'.
 */
export function createTokenModel(options: TokenFakeOptions = {}): FakeModel & { readonly params: TokenParams } {
  const params = tokenParams(options);
  const model = new FakeModel(
    {
      layout: 'tokens',
      inputShape: [null, null],
      provides: ['logits', 'embeddings', 'embeddingGradients', 'layerActivations', 'layerGradients'],
      net: tokenNet(params),
      embedding: { table: params.table, vocab: params.vocab, dim: params.dim },
    },
    options,
  );
  return Object.assign(model, { params });
}
