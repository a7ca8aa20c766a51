import type { Attribution } from '@salience/core';

/**
 * The result of a token method: an `Attribution` whose values are one score per token, [maps, T]
 * (layout 'NT'), or per embedding coordinate, [maps, T, D] (layout 'NTD'), with the tokens that
 * each map explains.
 */
export interface TokenAttribution extends Attribution {
  readonly layout: 'NT' | 'NTD';
  /** The ids of each map's example, [maps, T] row-major. */
  readonly ids: Int32Array;
  /** The token strings of each map's example, when the call gave `tokens`. */
  readonly tokens?: readonly (readonly string[])[];
  /** 1 where a token is scored, 0 at padding (whose scores are 0), [maps, T] row-major. */
  readonly mask: Uint8Array;
}
