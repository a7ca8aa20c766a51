import { Tokenizer } from '@huggingface/tokenizers';
import { OptionError, ShapeError, type TensorData } from '@salience/core';
import { alignOffsets, type Offset, type TokenSurface } from './offsets.js';

/** The ids of the special tokens (null where the tokenizer has none). */
export interface SpecialTokenIds {
  readonly pad: number | null;
  readonly cls: number | null;
  readonly sep: number | null;
  readonly mask: number | null;
  readonly unk: number | null;
  readonly bos: number | null;
  readonly eos: number | null;
}

/** One text, tokenised: ids with their token strings, character offsets into `text`, and which are special. */
export interface EncodedText {
  readonly text: string;
  readonly ids: readonly number[];
  readonly tokens: readonly string[];
  /** [start, end) into `text` (UTF-16 units); [0, 0] for special tokens, as Python's tokenizers. */
  readonly offsets: readonly Offset[];
  readonly special: readonly boolean[];
  /** Tokens dropped from the end to fit `maxLength` (0 when none). */
  readonly truncated: number;
}

/** Several texts as one batch of ids `[B, T]`, padded on the right with the pad id. */
export interface EncodedBatch {
  /** Token ids as the `tokens` layout wants them (floats holding integers), `[B, T]`. */
  readonly ids: TensorData;
  readonly texts: readonly EncodedText[];
  /** Each row's token strings padded to T with the pad token (for `tokens` options and renderings). */
  readonly tokens: readonly (readonly string[])[];
  readonly padId: number | null;
}

export interface TextTokenizerOptions {
  /** The pad id when the tokenizer has no pad token (GPT-2): the model config's `pad_token_id`. */
  readonly fallbackPadId?: number | null;
  /** Longest sequence, special tokens included (default: tokenizer_config's `model_max_length` when below 100,000, else 512). */
  readonly maxLength?: number;
}

type Json = Record<string, unknown>;

function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).content === 'string') return (value as Json).content as string;
  return undefined;
}

/**
 * A tokenizer read from `tokenizer.json` (+ `tokenizer_config.json`), by `@huggingface/tokenizers`
 * (pure JavaScript: runs in Node and in browsers), that also gives each token's character offsets.
 */
export class TextTokenizer {
  readonly specialIds: SpecialTokenIds;
  readonly maxLength: number;
  /** The `@huggingface/tokenizers` tokenizer, for anything not wrapped here. */
  readonly tokenizer: Tokenizer;
  private readonly specialSet: ReadonlySet<number>;
  private readonly wordPiecePrefix: string | undefined;

  constructor(tokenizerJson: unknown, tokenizerConfig: unknown = {}, options: TextTokenizerOptions = {}) {
    if (!tokenizerJson || typeof tokenizerJson !== 'object' || !('model' in tokenizerJson)) {
      throw new OptionError('tokenizer.json must be the JSON object that `tokenizers` saves (with a "model" field).');
    }
    const json = tokenizerJson as Json;
    const config = (tokenizerConfig ?? {}) as Json;
    this.tokenizer = new Tokenizer(json, config);
    const idOf = (key: string): number | null => {
      const name = tokenName(config[key]);
      const id = name === undefined ? undefined : this.tokenizer.token_to_id(name);
      return id === undefined ? null : id;
    };
    const padding = json.padding as Json | null | undefined;
    const padFromJson = padding && typeof padding.pad_id === 'number' ? padding.pad_id : null;
    const model = json.model as Json;
    const unkName = typeof model.unk_token === 'string' ? model.unk_token : undefined;
    const unkFromModel = unkName === undefined ? undefined : this.tokenizer.token_to_id(unkName);
    this.specialIds = {
      pad: idOf('pad_token') ?? padFromJson ?? options.fallbackPadId ?? null,
      cls: idOf('cls_token'),
      sep: idOf('sep_token'),
      mask: idOf('mask_token'),
      unk: idOf('unk_token') ?? unkFromModel ?? null,
      bos: idOf('bos_token'),
      eos: idOf('eos_token'),
    };
    const special = new Set<number>();
    // [UNK] is an added special token, but it stands for text (as in Python's special_tokens_mask)
    for (const [id, token] of this.tokenizer.get_added_tokens_decoder()) if (token.special && id !== this.specialIds.unk) special.add(id);
    this.specialSet = special;
    this.wordPiecePrefix = model.type === 'WordPiece' ? String(model.continuing_subword_prefix ?? '##') : undefined;
    const configured = typeof config.model_max_length === 'number' && config.model_max_length < 100_000 ? config.model_max_length : 512;
    this.maxLength = options.maxLength ?? configured;
  }

  /** The token string of an id. */
  token(id: number): string {
    return this.tokenizer.id_to_token(id) ?? `<${id}>`;
  }

  /** Tokenises one text (special tokens added as the tokenizer's post-processor adds them). */
  encode(text: string): EncodedText {
    const encoding = this.tokenizer.encode(text);
    let ids = encoding.ids;
    let tokens = encoding.tokens;
    let truncated = 0;
    if (ids.length > this.maxLength) {
      // keep a closing special token (BERT's [SEP], RoBERTa's </s>) at the end
      const closing = this.specialSet.has(ids[ids.length - 1]) ? 1 : 0;
      const keep = this.maxLength - closing;
      truncated = ids.length - this.maxLength;
      ids = [...ids.slice(0, keep), ...ids.slice(ids.length - closing)];
      tokens = [...tokens.slice(0, keep), ...tokens.slice(tokens.length - closing)];
    }
    const special = ids.map((id: number) => this.specialSet.has(id));
    return { text, ids, tokens, offsets: alignOffsets(text, this.surfaces(ids, tokens, special)), special, truncated };
  }

  /** Tokenises texts into one batch `[B, T]`, right-padded with the pad id. */
  encodeBatch(texts: readonly string[]): EncodedBatch {
    if (texts.length === 0) throw new ShapeError('No texts to tokenise.');
    const encoded = texts.map((t) => this.encode(t));
    const length = Math.max(...encoded.map((e) => e.ids.length));
    const pad = this.specialIds.pad;
    if (pad === null && encoded.some((e) => e.ids.length !== length)) {
      throw new OptionError(
        "These texts have different lengths and the tokenizer has no pad token: give the pad id (the model config's pad_token_id, or `padId`), or explain one text at a time.",
      );
    }
    const data = new Float32Array(texts.length * length).fill(pad ?? 0);
    const tokens: string[][] = [];
    encoded.forEach((e, b) => {
      data.set(e.ids, b * length);
      const row = [...e.tokens];
      while (row.length < length) row.push(pad === null ? '' : this.token(pad));
      tokens.push(row);
    });
    return { ids: { data, shape: [texts.length, length] }, texts: encoded, tokens, padId: pad };
  }

  /** What each token looks like in the text, for the offset search. */
  private surfaces(ids: readonly number[], tokens: readonly string[], special: readonly boolean[]): TokenSurface[] {
    const out: TokenSurface[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (special[i]) {
        out.push({ surface: undefined, special: true });
        continue;
      }
      if (ids[i] === this.specialIds.unk && this.specialIds.unk !== null) {
        out.push({ surface: undefined, special: false });
        continue;
      }
      if (this.wordPiecePrefix !== undefined) {
        const t = tokens[i]!;
        out.push({ surface: t.startsWith(this.wordPiecePrefix) ? t.slice(this.wordPiecePrefix.length) : t, special: false });
        continue;
      }
      // Byte-level tokens may hold part of a character: decode them together until it is whole.
      let j = i;
      let surface = this.decode([ids[i]!]);
      while (surface.includes('\uFFFD') && j + 1 < ids.length && !special[j + 1]) {
        j++;
        surface = this.decode(ids.slice(i, j + 1));
      }
      out.push({ surface, special: false });
      for (let k = i + 1; k <= j; k++) out.push({ surface, special: false, continuesGroup: true });
      i = j;
    }
    return out;
  }

  private decode(ids: readonly number[]): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }
}
