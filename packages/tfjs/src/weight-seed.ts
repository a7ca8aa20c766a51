/**
 * The seed of one weight's fresh values, from the copy's seed and the weight's name (FNV-1a over
 * both): a layer gets the same new weights whichever other layers are randomised with it, so the
 * steps of a cascading randomisation differ by exactly one layer.
 */
export function weightSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5;
  const mix = (byte: number) => {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  };
  for (let shift = 0; shift < 32; shift += 8) mix((seed >>> shift) & 0xff);
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    mix(code & 0xff);
    mix(code >>> 8);
  }
  return hash;
}
