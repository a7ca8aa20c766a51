/**
 * @packageDocumentation
 * Per-token saliency for text models. Token ids are discrete, so saliency is taken with respect
 * to the token embeddings (the model's `embeddings` and `embeddingGradients` outputs) and
 * reduced over the embedding dimension to one score per token: the L2 norm of the gradient,
 * gradient x embedding, or integrated gradients from a baseline token. Padding is masked out.
 */

export type { TokenSaliencyOptions, TokenScore } from './options.js';
export { TOKEN_SALIENCY_OPTION_KEYS, TOKEN_SCORES } from './options.js';
export type { TokenAttribution } from './token-attribution.js';
export type { TokenSaliencyMethod } from './token-saliency.js';
export { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients, tokenSaliency, tokenSaliencyMethod } from './token-saliency.js';
export type { ScoredToken, TopTokensOptions } from './token-scores.js';
export { tokenScores, topTokens } from './token-scores.js';
