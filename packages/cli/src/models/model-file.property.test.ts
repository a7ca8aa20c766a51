import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { scratch } from '../../test/cli-harness.js';
import { describeFailure } from '../failure.js';
import { loadModelFile } from './model-file.js';

const tmp = scratch('salience-model-property-');
afterAll(() => tmp.remove());

/** Loads `bytes` as a model file; it must load or fail with a typed error and an exit status, never crash. */
async function loadsOrFailsTyped(bytes: Uint8Array, name: string): Promise<void> {
  const path = tmp.path(name);
  writeFileSync(path, bytes);
  try {
    const loaded = await loadModelFile(path, { backend: 'cpu' });
    loaded.dispose();
  } catch (error) {
    const failure = describeFailure(error);
    expect(failure.code).not.toBe('FAILURE');
    expect([2, 3, 4, 6, 8]).toContain(failure.exitCode);
  }
}

// The protobuf field tags an ONNX file starts with, followed by anything: closer to a model than plain noise.
const onnxLike = fc
  .tuple(fc.constantFrom([0x08, 0x07], [0x08, 0x08, 0x12, 0x04], [0x3a]), fc.uint8Array({ maxLength: 400 }))
  .map(([head, rest]) => Uint8Array.from([...head, ...rest]));
const jsonLike = fc.oneof(
  fc.json(),
  fc
    .record({
      modelTopology: fc.oneof(fc.constant({}), fc.object()),
      weightsManifest: fc.oneof(fc.constant([]), fc.array(fc.record({ paths: fc.array(fc.string()), weights: fc.constant([]) }), { maxLength: 2 }), fc.anything()),
    })
    .map((o) => JSON.stringify(o)),
);

describe('property: model files of random bytes load or fail with a typed error', () => {
  it('.onnx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 400 }), onnxLike), (bytes) => loadsOrFailsTyped(bytes, 'random.onnx')),
      { numRuns: 150 },
    );
  }, 120_000);

  it('model.json', async () => {
    await fc.assert(
      fc.asyncProperty(jsonLike, (text) => loadsOrFailsTyped(new TextEncoder().encode(text), 'model.json')),
      { numRuns: 150 },
    );
  }, 120_000);
});
