import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { folderPath, loadTextFixture, TEXT_FOLDERS } from '../test/fixtures.js';
import { TextTokenizer } from './tokenizer.js';

async function tokenizerOf(name: (typeof TEXT_FOLDERS)[number], options = {}) {
  const folder = folderPath(name);
  const json = JSON.parse(await readFile(`${folder}/tokenizer.json`, 'utf8'));
  const config = JSON.parse(await readFile(`${folder}/tokenizer_config.json`, 'utf8'));
  return new TextTokenizer(json, config, options);
}

describe('TextTokenizer on the fixture folders', () => {
  for (const name of TEXT_FOLDERS) {
    it(`${name}: ids and tokens as Python's tokenizers, offsets as Python's (whitespace trimmed)`, async () => {
      const fx = await loadTextFixture(name);
      const tok = await tokenizerOf(name, { fallbackPadId: fx.meta.padTokenId });
      fx.meta.texts.forEach((text, i) => {
        const e = tok.encode(text);
        expect(e.ids).toEqual(fx.meta.ids[i]);
        expect(e.tokens).toEqual(fx.meta.tokens[i]);
        expect(e.special).toEqual(fx.meta.specialTokensMask[i]!.map(Boolean));
        const trimmed = fx.meta.offsets[i]!.map(([s, t]) => {
          while (s < t && /\s/.test(text[s]!)) s++;
          return [s, t];
        });
        expect(e.offsets.map((o) => [...o])).toEqual(trimmed);
      });
    });
  }

  it('reads the special ids from tokenizer_config.json (BERT: [PAD] [CLS] [SEP] [MASK] [UNK])', async () => {
    const tok = await tokenizerOf('bert');
    expect(tok.specialIds).toMatchObject({ pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 });
    const roberta = await tokenizerOf('roberta');
    expect(roberta.specialIds).toMatchObject({ pad: 1, cls: 0, sep: 2, unk: 3, mask: 4 });
  });

  it('GPT-2 has no pad token: the pad id comes from the model config, else ragged batches are refused', async () => {
    const bare = await tokenizerOf('gpt2');
    expect(bare.specialIds.pad).toBeNull();
    expect(bare.specialIds.mask).toBeNull();
    expect(() => bare.encodeBatch(['the film', 'the film was good'])).toThrow(/no pad token/);
    const padded = await tokenizerOf('gpt2', { fallbackPadId: 0 });
    const batch = padded.encodeBatch(['the film', 'the film was good']);
    expect(batch.ids.shape[0]).toBe(2);
    const t = batch.ids.shape[1]!;
    expect(Array.from(batch.ids.data.subarray(t - 1, t))).toEqual([0]);
  });

  it('unknown words span the word; accents and case folded; emoji (several bytes per token) grouped', async () => {
    const bert = await tokenizerOf('bert');
    const text = 'Zyxq CAFÉ!';
    const e = bert.encode(text);
    expect(e.tokens).toContain('[UNK]');
    const unk = e.tokens.indexOf('[UNK]');
    expect(text.slice(...e.offsets[unk]!)).toBe('Zyxq');
    for (let i = 0; i < e.ids.length; i++) {
      if (e.special[i] || i === unk) continue;
      const piece = e.tokens[i]!.replace(/^##/, '');
      expect(
        text
          .slice(...e.offsets[i]!)
          .normalize('NFD')
          .replace(/\p{M}/gu, '')
          .toLowerCase(),
      ).toBe(piece);
    }
    const gpt2 = await tokenizerOf('gpt2');
    const emoji = 'good 👍 film';
    const g = gpt2.encode(emoji);
    const spans = g.offsets.map(([s, t]) => emoji.slice(s, t));
    const group = spans.filter((s) => s === '👍').length;
    expect(group).toBeGreaterThan(1); // the emoji's bytes are several tokens sharing its span
    const distinct = spans.filter((s, i) => s !== '' && (i === 0 || g.offsets[i]!.join() !== g.offsets[i - 1]!.join()));
    expect(distinct.join('')).toBe(emoji.replace(/\s/g, ''));
  });

  it('truncates to maxLength keeping the closing special token', async () => {
    const tok = await tokenizerOf('bert', { maxLength: 5 });
    const e = tok.encode('the film was not good at all');
    expect(e.ids).toHaveLength(5);
    expect(e.tokens[0]).toBe('[CLS]');
    expect(e.tokens[4]).toBe('[SEP]');
    expect(e.truncated).toBeGreaterThan(0);
  });
});
