import { OptionError, ShapeError, type TensorData } from '@salience/core';

/** How a vision transformer's tokens [B, tokens, C] lie on the image: prefix tokens first, then the grid row by row. */
export interface TokenGridOption {
  readonly height: number;
  readonly width: number;
  /** Tokens before the grid (a class token: 1; DeiT's class and distillation tokens: 2); default 0. */
  readonly prefixTokens?: number;
}

export interface TokenGrid {
  readonly height: number;
  readonly width: number;
  readonly prefixTokens: number;
}

function checkOption(option: TokenGridOption, tokens: number): TokenGrid {
  const { height, width } = option;
  const prefixTokens = option.prefixTokens ?? 0;
  for (const [name, v] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new OptionError(`tokenGrid.${name} must be a positive integer; got ${v}.`);
  }
  if (!Number.isInteger(prefixTokens) || prefixTokens < 0) throw new OptionError(`tokenGrid.prefixTokens must be a non-negative integer; got ${prefixTokens}.`);
  if (prefixTokens + height * width !== tokens) {
    throw new OptionError(`tokenGrid ${height}x${width} with ${prefixTokens} prefix token(s) needs ${prefixTokens + height * width} tokens; the layer has ${tokens}.`);
  }
  return { height, width, prefixTokens };
}

/**
 * The grid of a token layer with `tokens` tokens. Given `option`, it is checked against the count;
 * otherwise the grid is square and the prefix is chosen where exactly one of 1 (a class token, ViT),
 * 0 (no class token) or 2 (class and distillation tokens, DeiT) leaves a square number of tokens.
 */
export function tokenGrid(tokens: number, option?: TokenGridOption): TokenGrid {
  if (option !== undefined) {
    if (typeof option !== 'object' || option === null) throw new OptionError(`tokenGrid must be { height, width, prefixTokens? }; got ${JSON.stringify(option)}.`);
    return checkOption(option, tokens);
  }
  const found: TokenGrid[] = [];
  for (const prefixTokens of [1, 0, 2]) {
    const side = Math.round(Math.sqrt(tokens - prefixTokens));
    if (tokens - prefixTokens >= 1 && side * side === tokens - prefixTokens) found.push({ height: side, width: side, prefixTokens });
  }
  if (found.length !== 1) {
    const options = found.map((g) => `${g.height}x${g.width} after ${g.prefixTokens} prefix token(s)`).join(' or ');
    throw new OptionError(
      `A token layer with ${tokens} tokens ${found.length ? `could be ${options}` : 'is not a square grid after 0, 1 or 2 prefix tokens'}; say how with tokenGrid: { height, width, prefixTokens }.`,
    );
  }
  return found[0]!;
}

/**
 * pytorch-grad-cam's `reshape_transform` for vision transformers: [B, tokens, C] → [B, h, w, C]
 * (channels last), the prefix tokens dropped.
 */
export function tokensToFeatureMap(t: TensorData, grid: TokenGrid): TensorData {
  if (t.shape.length !== 3) throw new ShapeError(`A token layer's output must be [batch, tokens, channels]; got [${t.shape.join(', ')}].`);
  const [rows, tokens, channels] = t.shape as [number, number, number];
  const kept = grid.height * grid.width;
  if (grid.prefixTokens + kept !== tokens) throw new ShapeError(`The layer has ${tokens} tokens; the grid needs ${grid.prefixTokens + kept}.`);
  const out = new Float32Array(rows * kept * channels);
  for (let r = 0; r < rows; r++) {
    const from = (r * tokens + grid.prefixTokens) * channels;
    out.set(t.data.subarray(from, from + kept * channels), r * kept * channels);
  }
  return { data: out, shape: [rows, grid.height, grid.width, channels] };
}
