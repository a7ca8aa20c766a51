import { beginMethod, type CommonOptions, checkOptionKeys, type Method, type Model, objectiveName, type TensorData } from '@salience/core';
import { embeddingIntegratedGradients } from './embedding-integrated-gradients.js';
import { ASSUMED_EMBEDDING_WIDTH, embeddingWidth } from './embedding-width.js';
import { gradientScores } from './gradient-scores.js';
import { outputsFor, readSettings, TOKEN_SALIENCY_OPTION_KEYS, type TokenSaliencyOptions, type TokenScore } from './options.js';
import type { TokenAttribution } from './token-attribution.js';
import { checkTokenIds, checkTokenStrings, paddingMask } from './token-input.js';

/** A token method: its `attribute` gives a `TokenAttribution`. */
export interface TokenSaliencyMethod extends Method<TokenSaliencyOptions> {
  attribute(model: Model, input: TensorData, options?: TokenSaliencyOptions & CommonOptions): Promise<TokenAttribution>;
}

/** A token method whose `score` defaults to `defaultScore`. */
export function tokenSaliencyMethod(defaultScore: TokenScore = 'grad-x-embedding', id = 'token-saliency'): TokenSaliencyMethod {
  return {
    id,
    requires: outputsFor(defaultScore),
    optionKeys: TOKEN_SALIENCY_OPTION_KEYS,
    async attribute(model: Model, input: TensorData, options: TokenSaliencyOptions & CommonOptions = {}): Promise<TokenAttribution> {
      // Names first: a misspelt padTokenId would otherwise surface as a missing baseline token.
      checkOptionKeys(options, TOKEN_SALIENCY_OPTION_KEYS, `The '${id}' method`);
      const settings = readSettings(options, defaultScore);
      let tokens: readonly (readonly string[])[] | undefined;
      const call = await beginMethod(model, input, options, {
        id,
        requires: outputsFor(settings.score),
        optionKeys: TOKEN_SALIENCY_OPTION_KEYS,
        layouts: ['tokens'],
        layoutHint: `Token saliency explains text models (layout 'tokens'); this model's layout is '${model.layout}'. Use @salience/gradient or @salience/integrated-gradients for it.`,
        rowElements: input.shape[1]! * (embeddingWidth(model) ?? ASSUMED_EMBEDDING_WIDTH),
        validateInput: () => checkTokenIds(model, input),
        check: () => {
          tokens = checkTokenStrings(options.tokens, input);
        },
      });
      const { examples, targets } = call;
      const strings = tokens;
      const length = input.shape[1]!;
      const job = { call, settings, onProgress: options.onProgress };
      const result = settings.score === 'integrated-gradients' ? await embeddingIntegratedGradients(job) : await gradientScores(job);

      const maps = examples.length;
      const exampleMask = paddingMask(input, settings.padTokenId);
      const mask = new Uint8Array(maps * length);
      const ids = new Int32Array(maps * length);
      for (let m = 0; m < maps; m++) {
        const e = examples[m]!;
        mask.set(exampleMask.subarray(e * length, (e + 1) * length), m * length);
        for (let t = 0; t < length; t++) ids[m * length + t] = input.data[e * length + t]!;
      }
      // Padding is not part of the text: its scores are 0 (not NaN) so that sums and colours stay defined.
      const { width } = result;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i]) continue;
        result.scores[i] = 0;
        result.perDimension?.fill(0, i * width, (i + 1) * width);
      }
      const values = result.perDimension ? { data: result.perDimension, shape: [maps, length, width] } : { data: result.scores, shape: [maps, length] };
      return {
        method: id,
        values,
        layout: result.perDimension! ? 'NTD' : 'NT',
        examples,
        targets,
        ids,
        ...(strings ? { tokens: Array.from(examples, (e) => strings[e]!) } : {}),
        mask,
        meta: {
          score: settings.score,
          padTokenId: settings.padTokenId ?? null,
          perDimension: settings.perDimension,
          maskedTokens: mask.length - mask.reduce((n, v) => n + v, 0),
          embeddingWidth: width,
          objective: objectiveName(options.objective),
          ...result.meta,
          batchSize: call.batchSize,
          modelCalls: call.modelCalls,
        },
      };
    },
  };
}

/** Per-token saliency; `score` picks 'grad-x-embedding' (default), 'grad-l2' or 'integrated-gradients'. */
export const tokenSaliency: TokenSaliencyMethod = tokenSaliencyMethod();

/** L2 norm of each token's embedding gradient (LIT's "Grad L2 Norm"). */
export const tokenGradL2: TokenSaliencyMethod = tokenSaliencyMethod('grad-l2', 'token-grad-l2');

/** Gradient x embedding summed over the dimension (Captum's LayerGradientXActivation on the embeddings). */
export const tokenGradXEmbedding: TokenSaliencyMethod = tokenSaliencyMethod('grad-x-embedding', 'token-grad-x-embedding');

/** Integrated gradients along the embeddings (Captum's LayerIntegratedGradients on the embedding layer). */
export const tokenIntegratedGradients: TokenSaliencyMethod = tokenSaliencyMethod('integrated-gradients', 'token-integrated-gradients');
