#!/usr/bin/env node
// `node tools/sync-core-version.mjs [repo root]`: writes @salience/core's package.json version into
// CORE_VERSION (packages/core/src/plugin.ts), which plugins are checked against. `pnpm
// version-packages` runs it after `changeset version`; core's tests fail if the two disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '..', '..'));
const version = JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8')).version;
const file = join(root, 'packages', 'core', 'src', 'plugin.ts');
const source = readFileSync(file, 'utf8');
const pattern = /export const CORE_VERSION = '([^']*)';/;
const match = pattern.exec(source);
if (!match) {
  console.error(`No "export const CORE_VERSION = '...';" in ${file}.`);
  process.exit(1);
}
if (match[1] === version) {
  console.log(`CORE_VERSION is already ${version}.`);
} else {
  writeFileSync(file, source.replace(pattern, `export const CORE_VERSION = '${version}';`));
  console.log(`CORE_VERSION: ${match[1]} -> ${version}.`);
}
