/** A name made safe for a file name: runs of other characters become '_'. */
export function safeFileName(name: string, fallback = 'example'): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_') || fallback;
}

/**
 * File-name-safe stems for the examples ('x[3]' becomes 'x-3'), unique against every name of the
 * run: a repeated name gets '-2', '-3'... skipping any that another example already bears
 * (c1/x.png, c2/x.png, c3/x-2.png give x, x-3, x-2). Compared without case, as on macOS and Windows.
 */
export function fileStems(names: readonly string[]): string[] {
  const bases = names.map((name) => safeFileName(name.replace(/\[(\d+)\]$/, '-$1')));
  const key = (stem: string) => stem.toLowerCase();
  const firsts = new Set<string>();
  const firstIndex = bases.map((base) => {
    if (firsts.has(key(base))) return false;
    firsts.add(key(base));
    return true;
  });
  const taken = new Set(firsts);
  return bases.map((base, i) => {
    if (firstIndex[i]) return base;
    let n = 2;
    while (taken.has(key(`${base}-${n}`))) n++;
    const stem = `${base}-${n}`;
    taken.add(key(stem));
    return stem;
  });
}
