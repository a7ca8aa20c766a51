#!/usr/bin/env node
// The last line of .ci/run: the tests of every run of tools/run-tests.mjs in this CI run, added up.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(new URL('..', import.meta.url).pathname, '.reports');
const total = { passed: 0, failed: 0, skipped: 0 };
for (const file of readdirSync(dir).filter((f) => f.startsWith('summary-'))) {
  const counts = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  for (const key of Object.keys(total)) total[key] += counts[key];
}
console.log(`Tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed > 0 ? 1 : 0);
