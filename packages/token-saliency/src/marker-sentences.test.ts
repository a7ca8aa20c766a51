import type { Model } from '@salience/core';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSentences, idsOf, PAD_ID, SEQUENCE_LENGTH, type Sentence, SPURIOUS_TOKEN } from '../test-models/marker-sentences/dataset.js';
import { loadMarkerModel } from '../test-models/marker-sentences/load.js';
import type { TokenAttribution } from './token-attribution.js';
import { tokenGradXEmbedding, tokenIntegratedGradients } from './token-saliency.js';
import { topTokens } from './token-scores.js';

// Held-out sentences from seeds the training never used: the clean distribution, and an audit set
// in which every sentence, of either class, carries the spurious token.
const heldOut = generateSentences({ count: 120, seed: 101, spuriousRate: [0.3, 0.3] });
const audit = generateSentences({ count: 120, seed: 102, spuriousRate: [1, 1] });

function explain(method: typeof tokenGradXEmbedding, model: Model, sentences: readonly Sentence[]): Promise<TokenAttribution> {
  return method.attribute(model, idsOf(sentences), {
    target: 'predicted',
    padTokenId: PAD_ID,
    tokens: sentences.map((s) => s.tokens),
    ...(method === tokenIntegratedGradients ? { steps: 16 } : {}),
  });
}

/** Share of sentences whose top-ranked token passes `hit`. */
function topRate(result: TokenAttribution, sentences: readonly Sentence[], hit: (s: Sentence, position: number, token: string) => boolean, by: 'value' | 'absolute') {
  let hits = 0;
  sentences.forEach((s, i) => {
    const [top] = topTokens(result, i, 1, { by });
    if (hit(s, top!.position, top!.token)) hits++;
  });
  return hits / sentences.length;
}

const isMarker = (s: Sentence, position: number) => s.markers.includes(position);
const isSpurious = (_: Sentence, __: number, token: string) => token === SPURIOUS_TOKEN;

describe('a trained text classifier (marker sentences)', () => {
  let clean: Model;
  let spurious: Model;
  const layers: tf.LayersModel[] = [];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    layers.push(await loadMarkerModel(tf, 'clean'), await loadMarkerModel(tf, 'spurious'));
    clean = fromTfjs(tf, layers[0]!);
    spurious = fromTfjs(tf, layers[1]!);
  });

  afterAll(() => {
    for (const m of [clean, spurious]) m.dispose();
    for (const l of layers) l.dispose();
  });

  it.each([tokenIntegratedGradients, tokenGradXEmbedding])('$id ranks a label-bearing word first in at least 90% of held-out sentences', async (method) => {
    const result = await explain(method, clean, heldOut);
    const predictedRight = heldOut.filter((s, i) => result.targets[i] === s.label).length / heldOut.length;
    expect(predictedRight).toBeGreaterThanOrEqual(0.95);
    expect(topRate(result, heldOut, isMarker, 'value')).toBeGreaterThanOrEqual(0.9);
    if (method === tokenIntegratedGradients) {
      // Padding is masked, and the scores account for the change in the logit to within 2% at
      // 16 steps (sum of scores = F(x) - F(baseline) + delta).
      expect(result.meta.maskedTokens).toBeGreaterThan(0);
      const delta = result.meta.delta as Float32Array;
      heldOut.forEach((_, i) => {
        const sum = result.values.data.subarray(i * SEQUENCE_LENGTH, (i + 1) * SEQUENCE_LENGTH).reduce((a, b) => a + b, 0);
        expect(Math.abs(delta[i]!)).toBeLessThanOrEqual(0.02 * Math.abs(sum - delta[i]!));
      });
    }
  });

  it('finds the spurious token when the model relies on it, and not when it does not', async () => {
    const biased = await explain(tokenIntegratedGradients, spurious, audit);
    const sound = await explain(tokenIntegratedGradients, clean, audit);
    // The shortcut hurts the biased model once the token appears in negative sentences too...
    const accuracy = (r: TokenAttribution) => audit.filter((s, i) => r.targets[i] === s.label).length / audit.length;
    expect(accuracy(sound)).toBeGreaterThanOrEqual(0.95);
    expect(accuracy(biased)).toBeLessThan(0.8);
    // ...and token saliency shows why: the spurious token is its most influential token (either
    // sign: it pushes towards the positive class whichever class is explained).
    expect(topRate(biased, audit, isSpurious, 'absolute')).toBeGreaterThanOrEqual(0.9);
    expect(topRate(sound, audit, isSpurious, 'absolute')).toBeLessThanOrEqual(0.05);
    expect(topRate(sound, audit, isMarker, 'absolute')).toBeGreaterThanOrEqual(0.9);
  });

  it('runs the same audit on the cheap gradient x embedding', async () => {
    const biased = await explain(tokenGradXEmbedding, spurious, audit);
    const sound = await explain(tokenGradXEmbedding, clean, audit);
    expect(topRate(biased, audit, isSpurious, 'absolute')).toBeGreaterThanOrEqual(0.9);
    expect(topRate(sound, audit, isSpurious, 'absolute')).toBeLessThanOrEqual(0.05);
  });
});
