import { readdirSync, readFileSync } from 'node:fs';
import type { AuditSummary } from '../src/audit/summary.js';

/** The parts of a summary that describe the result, not the run (its time, folder, and what was computed where). */
export function auditResults(summary: AuditSummary) {
  const { out: _out, timeMs: _time, methodTimeMs: _methodTime, chunks, ...rest } = summary;
  return { ...rest, chunks: { size: chunks.size, total: chunks.total } };
}

/** The report, the figures and the chunk records of an audit folder, by name, with their bytes (summary.json apart: it holds times and the folder). */
export function auditFiles(folder: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(folder).sort()) if (name.endsWith('.png') || name === 'report.html') files.set(name, readFileSync(`${folder}/${name}`));
  for (const name of readdirSync(`${folder}/.salience-audit`).sort()) if (name.endsWith('.rec')) files.set(name, readFileSync(`${folder}/.salience-audit/${name}`));
  return files;
}

/** The names of the files that differ between two audit folders (empty when they are byte-identical). */
export function differingFiles(a: string, b: string): string[] {
  const one = auditFiles(a);
  const two = auditFiles(b);
  const names = [...new Set([...one.keys(), ...two.keys()])].sort();
  return names.filter((n) => !(one.get(n) && two.get(n)?.equals(one.get(n) as Buffer)));
}
