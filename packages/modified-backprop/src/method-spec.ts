import { CHANNEL_REDUCTIONS, type ChannelReduction, type Layout, OptionError } from '@salience/core';

/** The layouts a modified-backprop method explains, and the hint for token models (ids have no gradient). */
export function gradientLayouts(id: string): { layouts: readonly Layout[]; layoutHint: string } {
  return { layouts: ['NCHW', 'NHWC', 'NC'], layoutHint: `'${id}' explains image and feature models; token ids have no gradient.` };
}

/** Throws an OptionError naming the choices when `channelReduction` is given and unknown. */
export function checkChannelReduction(channelReduction: ChannelReduction | undefined): void {
  if (channelReduction !== undefined && !CHANNEL_REDUCTIONS.includes(channelReduction)) {
    throw new OptionError(`Unknown channelReduction ${JSON.stringify(channelReduction)}; use one of ${CHANNEL_REDUCTIONS.join(', ')}.`);
  }
}
