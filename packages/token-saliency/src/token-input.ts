import { type Model, OptionError, ShapeError, type TensorData } from '@salience/core';

/** Fails unless the model reads token ids and the ids are [B, T] integers. */
export function checkTokenIds(model: Model, ids: TensorData): void {
  if (model.layout !== 'tokens') {
    throw new OptionError(
      `Token saliency explains text models (layout 'tokens'); this model's layout is '${model.layout}'. Use @salience/gradient or @salience/integrated-gradients for it.`,
    );
  }
  if (ids.shape.length !== 2) throw new ShapeError(`Token ids have shape [${ids.shape.join(', ')}]; give [batch, tokens].`);
  if (ids.shape[1] === 0) throw new ShapeError('Token ids have no tokens (length 0); give at least one per example.');
  for (let i = 0; i < ids.data.length; i++) {
    const id = ids.data[i]!;
    if (!Number.isInteger(id) || id < 0) {
      throw new ShapeError(`Token id ${id} at position ${i} is not a token id; ids are non-negative integers (as floats).`);
    }
  }
}

/** Checks that the `tokens` option has one string per id: [B][T]. */
export function checkTokenStrings(tokens: unknown, ids: TensorData): readonly (readonly string[])[] | undefined {
  if (tokens === undefined) return undefined;
  const [rows, length] = ids.shape;
  if (!Array.isArray(tokens) || tokens.length !== rows) {
    throw new OptionError(`tokens must hold one array of strings per example (${rows}); got ${Array.isArray(tokens) ? tokens.length : typeof tokens}.`);
  }
  tokens.forEach((row: unknown, r) => {
    if (!Array.isArray(row) || row.length !== length || row.some((t) => typeof t !== 'string')) {
      const got = Array.isArray(row) ? `${row.length} entries` : typeof row;
      throw new OptionError(`tokens[${r}] must be ${length} strings, one per id (padding included); got ${got}.`);
    }
  });
  return tokens as readonly (readonly string[])[];
}

/** 1 where a token is scored, 0 where it is padding; all ones without a pad id. [B * T]. */
export function paddingMask(ids: TensorData, padTokenId: number | undefined): Uint8Array {
  const mask = new Uint8Array(ids.data.length).fill(1);
  if (padTokenId === undefined) return mask;
  for (let i = 0; i < mask.length; i++) if (ids.data[i] === padTokenId) mask[i] = 0;
  return mask;
}
