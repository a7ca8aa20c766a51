import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { BUILTIN_DIR } from '../src/models/builtin.js';

/** The twelve built-in samples (all classified correctly) copied into `folder`, with `truth.csv`. */
export function writeSampleFolder(folder: string): void {
  mkdirSync(folder, { recursive: true });
  const samples = JSON.parse(readFileSync(`${BUILTIN_DIR}samples.json`, 'utf8')) as { file: string; label: number }[];
  const rows = ['file,label'];
  for (const s of samples) {
    const name = s.file.replace('samples/', '');
    copyFileSync(`${BUILTIN_DIR}${s.file}`, `${folder}/${name}`);
    rows.push(`${name},${s.label}`);
  }
  writeFileSync(`${folder}/truth.csv`, `${rows.join('\n')}\n`);
}
