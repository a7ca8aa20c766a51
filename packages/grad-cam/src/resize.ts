import { OptionError } from '@salience/core';

/** How a layer-resolution map is brought to the input's size; PyTorch `F.interpolate` semantics. */
export type Upsample = 'bilinear' | 'nearest';

export const UPSAMPLE_MODES: readonly Upsample[] = ['bilinear', 'nearest'];

export function checkUpsample(mode: string): Upsample {
  if (!UPSAMPLE_MODES.includes(mode as Upsample)) {
    throw new OptionError(`Unknown upsample mode '${mode}'; use one of ${UPSAMPLE_MODES.join(', ')}.`);
  }
  return mode as Upsample;
}

/** For each output index along one axis: the two source indices and their weights. */
interface AxisTable {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly wLo: Float32Array;
  readonly wHi: Float32Array;
}

const f32 = Math.fround;

/**
 * PyTorch's `upsample_bilinear2d` with align_corners=False, one axis: the source coordinate is
 * max(0, (dst + 0.5) * in/out - 0.5) with a float32 scale and one float32 rounding of the
 * multiply-add (PyTorch's CPU build fuses it), which matches its weights to the last bit.
 */
function linearAxis(inSize: number, outSize: number): AxisTable {
  const table = emptyTable(outSize);
  const scale = f32(inSize / outSize);
  for (let dst = 0; dst < outSize; dst++) {
    if (inSize === outSize) {
      table.lo[dst] = dst;
      table.hi[dst] = dst;
      table.wLo[dst] = 1;
      continue;
    }
    const source = Math.max(0, f32(scale * (dst + 0.5) - 0.5));
    const lo = Math.min(Math.floor(source), inSize - 1);
    const lambda = Math.min(1, Math.max(0, f32(source - lo)));
    table.lo[dst] = lo;
    table.hi[dst] = lo < inSize - 1 ? lo + 1 : lo;
    table.wLo[dst] = 1 - lambda;
    table.wHi[dst] = lambda;
  }
  return table;
}

/** PyTorch's legacy 'nearest': src = min(floor(dst * (in/out)), in - 1), in float32. */
function nearestAxis(inSize: number, outSize: number): { readonly lo: Int32Array } {
  const lo = new Int32Array(outSize);
  const scale = f32(inSize / outSize);
  for (let dst = 0; dst < outSize; dst++) {
    lo[dst] = inSize === outSize ? dst : Math.min(Math.floor(f32(dst * scale)), inSize - 1);
  }
  return { lo };
}

function emptyTable(size: number): AxisTable {
  return { lo: new Int32Array(size), hi: new Int32Array(size), wLo: new Float32Array(size), wHi: new Float32Array(size) };
}

/** Resizes one [h, w] map into one [outH, outW] map; built once per size pair, used for every map. */
export type MapResizer = (source: Float32Array, target: Float32Array) => void;

export function mapResizer(h: number, w: number, outH: number, outW: number, mode: Upsample): MapResizer {
  if (mode === 'nearest') {
    const rows = nearestAxis(h, outH);
    const cols = nearestAxis(w, outW);
    return (source, target) => {
      for (let y = 0; y < outH; y++) {
        const from = rows.lo[y]! * w;
        const out = y * outW;
        for (let x = 0; x < outW; x++) target[out + x] = source[from + cols.lo[x]!]!;
      }
    };
  }
  const rows = linearAxis(h, outH);
  const cols = linearAxis(w, outW);
  return (source, target) => {
    for (let y = 0; y < outH; y++) {
      const top = rows.lo[y]! * w;
      const bottom = rows.hi[y]! * w;
      const wTop = rows.wLo[y]!;
      const wBottom = rows.wHi[y]!;
      const out = y * outW;
      for (let x = 0; x < outW; x++) {
        const left = cols.lo[x]!;
        const right = cols.hi[x]!;
        const wLeft = cols.wLo[x]!;
        const wRight = cols.wHi[x]!;
        // Same grouping as PyTorch: rows first, then the blend of the two rows.
        target[out + x] = wTop * (wLeft * source[top + left]! + wRight * source[top + right]!) + wBottom * (wLeft * source[bottom + left]! + wRight * source[bottom + right]!);
      }
    }
  };
}
