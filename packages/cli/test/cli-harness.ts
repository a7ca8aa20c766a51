import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NpyArray, readNpy } from '../src/inputs/npy.js';
import { type CliContext, runCli } from '../src/main.js';

/** A stream that keeps what is written (not a terminal, like a pipe). */
export function captureStream(isTTY = false): { readonly text: () => string; write(text: string): boolean; readonly isTTY: boolean } {
  const chunks: string[] = [];
  return {
    isTTY,
    text: () => chunks.join(''),
    write(text: string) {
      chunks.push(text);
      return true;
    },
  };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The parsed stdout, for --json runs. */
  json<T = Record<string, unknown>>(): T;
}

/** Runs `salience <argv>` in-process, as the bin would, and collects its output. */
export async function salience(argv: readonly string[], context: Partial<CliContext> = {}): Promise<CliRun> {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await runCli(argv, { stdout, stderr, ...context });
  return { code, stdout: stdout.text(), stderr: stderr.text(), json: <T>() => JSON.parse(stdout.text()) as T };
}

/** A fresh temporary folder, and a way to remove it. */
export function scratch(prefix = 'salience-cli-'): { readonly dir: string; path(...parts: string[]): string; entries(): string[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (...parts) => join(dir, ...parts),
    entries: () => readdirSync(dir).sort(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function readNpyFile(path: string): NpyArray {
  return readNpy(readFileSync(path), path);
}
