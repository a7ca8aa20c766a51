import { NpyError, writeNpy } from '@salience/npy';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { checkNpyLength, npyDataStart, readNpy, readNpyHeader } from './npy.js';

describe("the command's .npy reader", () => {
  it('reads what @salience/npy reads', () => {
    const array = readNpy(writeNpy({ data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] }));
    expect(array.shape).toEqual([2, 3]);
    expect(Array.from(array.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('turns every NpyError into an input-file error (exit status 3) with the same message', () => {
    const text = new TextEncoder().encode('hello world, not numpy');
    const bytes = writeNpy({ data: new Float32Array(6), shape: [2, 3] });
    const failures = [() => readNpy(text, 'x.npy'), () => readNpyHeader(text, 'x.npy'), () => npyDataStart(text, 'x.npy'), () => checkNpyLength(readNpyHeader(bytes), 70, 'x.npy')];
    for (const fail of failures) {
      let caught: unknown;
      try {
        fail();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CliError);
      expect((caught as CliError).exitCode).toBe(3);
      expect((caught as CliError).cause).toBeInstanceOf(NpyError);
      expect((caught as CliError).message).toBe(((caught as CliError).cause as Error).message);
      expect((caught as CliError).message).toMatch(/^x\.npy is not a readable \.npy file: /);
    }
  });
});
