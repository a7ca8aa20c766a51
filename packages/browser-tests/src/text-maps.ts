import type { TensorData } from '@salience/core';
import { occlusion } from '@salience/occlusion';
import type { TextClassifier } from '@salience/text';
import { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients } from '@salience/token-saliency';

/** The BERT fixture folder's two texts (packages/text/fixtures/bert/cases.json) and the classes Captum explained. */
export const TEXT_CASE = { folder: 'bert', texts: ['The film was not good, honestly.', 'A charming café!'], target: [2, 0] } as const;

/** The token maps compared in Chromium, named as Captum's references in cases.json. */
export const TEXT_MAPS = ['logits', 'token_grad_l2', 'token_grad_x_emb', 'token_ig', 'token_ig_mask', 'token_ablation_pad', 'token_occlusion2_pad'] as const;
export type TextMapName = (typeof TEXT_MAPS)[number];

/**
 * Every token method on a text classifier, with the options of the Captum references: gradient L2,
 * gradient x embedding, integrated gradients (16 Gauss-Legendre steps from the pad and from the mask
 * token) and token occlusion (window 1 and 2, pad); plus the logits. Run alike in the page and in Node.
 */
export async function textMaps(classifier: TextClassifier, texts: readonly string[], target: readonly number[]): Promise<Record<TextMapName, TensorData>> {
  const batch = classifier.encode(texts);
  const ids = batch.ids;
  const pad = classifier.padId ?? 0;
  const common = { target: [...target], padTokenId: pad, tokens: batch.tokens };
  const ig = { ...common, steps: 16, quadrature: 'gauss-legendre' } as const;
  return {
    logits: (await classifier.predict(batch)).logits,
    token_grad_l2: (await tokenGradL2.attribute(classifier.model, ids, common)).values,
    token_grad_x_emb: (await tokenGradXEmbedding.attribute(classifier.model, ids, common)).values,
    token_ig: (await tokenIntegratedGradients.attribute(classifier.model, ids, ig)).values,
    token_ig_mask: (await tokenIntegratedGradients.attribute(classifier.model, ids, { ...ig, baselineTokenId: classifier.specialIds.mask ?? pad })).values,
    token_ablation_pad: (await occlusion.attribute(classifier.model, ids, { target: [...target], window: [1], stride: [1], baseline: pad })).values,
    token_occlusion2_pad: (await occlusion.attribute(classifier.model, ids, { target: [...target], window: [2], stride: [1], baseline: pad })).values,
  };
}

/** What Node computed, as plain arrays (it travels from the test server to the page). */
export interface PlainTextMaps {
  readonly runtime: string;
  readonly ids: number[];
  readonly tokens: string[][];
  readonly offsets: [number, number][][];
  readonly maps: Record<TextMapName, { data: number[]; shape: number[] }>;
}
