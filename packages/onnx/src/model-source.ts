import { ModelError, OptionError } from '@salience/core';
import type { OnnxModelSource, SessionAndBytes } from './options.js';
import type { InferenceSession } from './ort-types.js';

export interface LoadedSource {
  readonly bytes: Uint8Array;
  readonly session?: InferenceSession;
}

function isSessionAndBytes(source: unknown): source is SessionAndBytes {
  return typeof source === 'object' && source !== null && 'bytes' in source;
}

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

function isNode(): boolean {
  const runtime = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof runtime?.versions?.node === 'string';
}

async function readLocation(location: string | URL): Promise<Uint8Array> {
  const url = location instanceof URL ? location : /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? new URL(location) : undefined;
  try {
    // In a page every location is fetched (relative ones against the page); in Node only http(s).
    if (!isNode() || (url && url.protocol !== 'file:')) {
      const response = await fetch(url ?? location);
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
      return new Uint8Array(await response.arrayBuffer());
    }
    // A path or file: URL; node:fs is loaded only here, so browsers never see it.
    const fs = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ fs)) as typeof import('node:fs/promises');
    return new Uint8Array(await readFile(url ?? location));
  } catch (cause) {
    throw new ModelError(`Could not read the ONNX model at ${String(location)}`, cause);
  }
}

/** The model's bytes (which the gradient graphs are built from) and the caller's session, if any. */
export async function loadSource(source: OnnxModelSource): Promise<LoadedSource> {
  if (typeof source === 'string' || source instanceof URL) return { bytes: await readLocation(source) };
  const direct = asBytes(source);
  if (direct) return { bytes: direct };
  if (isSessionAndBytes(source)) {
    const bytes = asBytes(source.bytes);
    if (!bytes) throw new OptionError('{ bytes, session }: bytes must be the ONNX model as a Uint8Array or ArrayBuffer.');
    const session = source.session;
    if (session !== undefined && (typeof session !== 'object' || session === null || typeof session.run !== 'function')) {
      throw new OptionError('{ bytes, session }: session must be an InferenceSession created from these bytes.');
    }
    return session ? { bytes, session } : { bytes };
  }
  throw new OptionError(
    'fromOnnx takes the model as bytes (Uint8Array or ArrayBuffer), a path or URL, or { bytes, session }. The bytes are needed to build gradient graphs: an InferenceSession alone does not expose them.',
  );
}
