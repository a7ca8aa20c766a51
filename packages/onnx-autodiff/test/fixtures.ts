/** Reads the Captum fixtures of @salience/testing (in this repository) straight from their folder. */
import { readFileSync } from 'node:fs';

const FOLDER = new URL('../../testing/fixtures/captum/', import.meta.url);

export interface FixtureArray {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export interface Fixture {
  readonly model: Uint8Array;
  readonly arrays: Readonly<Record<string, FixtureArray>>;
  readonly meta: Readonly<Record<string, unknown>>;
}

export function loadFixture(name: string): Fixture {
  const manifest = JSON.parse(readFileSync(new URL(`${name}/cases.json`, FOLDER), 'utf8'));
  const bin = readFileSync(new URL(`${name}/cases.bin`, FOLDER));
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const arrays: Record<string, FixtureArray> = {};
  for (const [key, entry] of Object.entries<{ offset: number; shape: number[] }>(manifest.arrays)) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(entry.offset + 4 * i, true);
    arrays[key] = { data, shape: entry.shape };
  }
  const { arrays: _, ...meta } = manifest;
  return { model: new Uint8Array(readFileSync(new URL(`${name}/model.onnx`, FOLDER))), arrays, meta };
}

/** One-hot rows [B, classes] for the fixture's float-encoded targets. */
export function oneHot(targets: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(targets.length * classes);
  targets.forEach((t, b) => {
    out[b * classes + t] = 1;
  });
  return out;
}

/** Expects `actual` to equal `expected` within `relative` of each example's largest magnitude. */
export function maxErrorPerExample(actual: ArrayLike<number>, expected: FixtureArray): { worst: number; scale: number }[] {
  const batch = expected.shape[0]!;
  const per = expected.data.length / batch;
  return Array.from({ length: batch }, (_, b) => {
    let worst = 0;
    let scale = 0;
    for (let i = b * per; i < (b + 1) * per; i++) {
      worst = Math.max(worst, Math.abs(actual[i]! - expected.data[i]!));
      scale = Math.max(scale, Math.abs(expected.data[i]!));
    }
    return { worst, scale };
  });
}
