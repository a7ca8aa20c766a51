/** A name made safe for a file name: runs of other characters become '_'. */
export function safeFileName(name: string, fallback = 'example'): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_') || fallback;
}

/** File-name-safe and unique stems for the examples ('x[3]' becomes 'x-3'). */
export function fileStems(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const base = safeFileName(name.replace(/\[(\d+)\]$/, '-$1'));
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}-${count}`;
  });
}
