// Reading a folder's files from a path (Node) or a URL (fetch: browsers and Node), so that one
// loader serves both. node:fs is imported only when a path is read, never at module load.

/** A file location: a path (Node), a URL, or a URL string (`http(s):`, `file:`, or relative in a page). */
export type FileLocation = string | URL;

function isUrlString(location: string): boolean {
  // in a page every location is fetched (relative ones against the page); in Node only URLs are
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

/** `base` joined with a relative file name ('onnx/model.onnx'), as a path or a URL like `base`. */
export function joinLocation(base: FileLocation, name: string): FileLocation {
  if (base instanceof URL) return new URL(name, base.href.endsWith('/') ? base : new URL(`${base.href}/`));
  return `${base.replace(/\/+$/, '')}/${name}`;
}

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

/** The bytes at `location`, or undefined when there is no such file (404 or ENOENT). */
export async function readBytesIfExists(location: FileLocation): Promise<Uint8Array | undefined> {
  const url = location instanceof URL ? location : isUrlString(location) ? location : undefined;
  if (url !== undefined && !(url instanceof URL && url.protocol === 'file:') && !(typeof url === 'string' && url.startsWith('file:'))) {
    const response = await fetch(url);
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET ${String(url)}: ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  const fs = await nodeFs();
  try {
    return new Uint8Array(await fs.readFile(location instanceof URL || location.startsWith('file:') ? new URL(location) : location));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The JSON at `location`, or undefined when there is no such file. */
export async function readJsonIfExists(location: FileLocation): Promise<unknown> {
  const bytes = await readBytesIfExists(location);
  return bytes === undefined ? undefined : JSON.parse(new TextDecoder().decode(bytes));
}
