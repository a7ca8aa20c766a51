#!/usr/bin/env node
// `pnpm test`: lint, typecheck and test every package through nx (cached), then print one
// summary line added up from each package's vitest JSON report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir).filter((p) => existsSync(join(packagesDir, p, 'package.json')));
for (const p of packages) rmSync(join(packagesDir, p, '.reports'), { recursive: true, force: true });

const targets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['lint', 'typecheck', 'test'];
const nx = spawnSync('pnpm', ['exec', 'nx', 'run-many', '-t', ...targets, '--outputStyle=stream'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NX_TUI: 'false', NX_DAEMON: 'false' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const p of packages) {
  const report = join(packagesDir, p, '.reports', 'vitest.json');
  if (!existsSync(report)) {
    missing.push(p);
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  // A suite that failed to load has no tests to count but is a failure all the same.
  failed += r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
}
if (targets.includes('test') && missing.length > 0) console.log(`No test report from: ${missing.join(', ')}`);
const status = nx.status ?? 1;
const summary = `Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
// Kept for .ci/run, which runs more checks after the tests and ends with this line.
mkdirSync(join(root, '.reports'), { recursive: true });
writeFileSync(join(root, '.reports', `summary-${targets.join('+')}.txt`), `${JSON.stringify({ passed, failed, skipped })}\n`);
console.log(`\n${summary}`);
process.exit(status !== 0 ? status : failed > 0 ? 1 : 0);
