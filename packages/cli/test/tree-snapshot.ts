import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Every file and folder under `dir` with its size and modification time: what a run must not touch. */
export function treeSnapshot(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      const info = statSync(path);
      const key = relative(dir, path).split(sep).join('/');
      entries.set(key, info.isDirectory() ? 'dir' : `${info.size}:${info.mtimeMs}`);
      if (info.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return entries;
}

/** What changed between two snapshots, leaving out paths under `allowed` (the run's own folder). */
export function treeChanges(before: Map<string, string>, after: Map<string, string>, allowed: readonly string[] = []): string[] {
  const mine = (path: string) => allowed.some((a) => path === a || path.startsWith(`${a}/`));
  const changes: string[] = [];
  for (const [path, value] of before) {
    if (mine(path)) continue;
    if (!after.has(path)) changes.push(`removed ${path}`);
    else if (after.get(path) !== value) changes.push(`changed ${path}`);
  }
  for (const path of after.keys()) if (!before.has(path) && !mine(path)) changes.push(`added ${path}`);
  return changes;
}
