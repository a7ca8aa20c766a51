#!/usr/bin/env node
// `node tools/package-metadata.mjs [--check]`: the publishing fields of every public package.json,
// written from one place so that they cannot drift apart.
//
// For each package under packages/ that is not private it sets:
// - `repository` (with the package's `directory`), `homepage` (its README on GitHub), `bugs`;
// - `engines: { node: ">=20" }` (what CI runs; the code uses ES2022 and Node 20's APIs);
// - `scripts.prepack`: `nx run <name>:build`, so `pnpm pack` / `pnpm publish` never ship a
//   package without dist/ (nx builds the package's workspace dependencies first, from cache);
// - `publishConfig`: `access: public` and `exports` = the package's `exports` without the
//   `@salience/source` condition. pnpm swaps `publishConfig.exports` in when it packs or
//   publishes, so the workspace keeps resolving sources in tests while tarballs only name dist/.
//   (A pack-time rewrite of package.json would leave the file modified if packing is interrupted;
//   publishConfig is declarative and `pnpm pack` shows exactly what will be published.)
// pnpm also copies the root LICENSE into each tarball (packages have none of their own).
//
// The files are edited as text: only these fields change, nothing is reordered or reformatted.
// With --check nothing is written; it exits 1 and names the packages that are out of date and
// which of their fields are missing or differ (`pnpm release:check` runs it). Either way it checks
// that typedoc.json excludes exactly the private packages (typedoc documents packages/*), that its
// source links point into REPOSITORY, and, where the clone's `origin` remote is on REPOSITORY's host
// (github.com), that it is REPOSITORY: one URL for every package's repository, homepage and bugs, and the API pages.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

/** The project's home: the repository, homepage and bugs of every package derive from it. */
export const REPOSITORY = 'https://github.com/salience-js/salience';
const SOURCE_CONDITION = '@salience/source';

const isEmptyObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;

/**
 * `exports` with the workspace-only source condition removed at every level. A subpath that only
 * the source condition names (`./testing`: test helpers that other workspace packages and tools
 * share) is left out: it points into test/, which is never published.
 */
export function publishedExports(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== SOURCE_CONDITION)
      .map(([k, v]) => [k, publishedExports(v)])
      .filter(([, v]) => !isEmptyObject(v)),
  );
}

/** The fields this tool owns, for the package in packages/<folder>. */
export function wantedFields(folder, manifest) {
  return {
    repository: { type: 'git', url: `git+${REPOSITORY}.git`, directory: `packages/${folder}` },
    homepage: `${REPOSITORY}/tree/main/packages/${folder}#readme`,
    bugs: { url: `${REPOSITORY}/issues` },
    engines: { node: '>=20' },
    publishConfig: { access: 'public', ...(manifest.exports ? { exports: publishedExports(manifest.exports) } : {}) },
  };
}

/**
 * The members of the JSON object whose `{` is at `open`: key, where the member's line starts,
 * and the value's [start, end) span. Strings are skipped whole, so braces inside them do not count.
 */
function members(text, open) {
  const out = [];
  let i = open + 1;
  const skipSpace = () => {
    while (/[\s,]/.test(text[i])) i++;
  };
  const skipString = () => {
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  const skipValue = () => {
    if (text[i] === '"') return skipString();
    if (text[i] === '{' || text[i] === '[') {
      let depth = 0;
      do {
        if (text[i] === '"') {
          skipString();
          continue;
        }
        if (text[i] === '{' || text[i] === '[') depth++;
        if (text[i] === '}' || text[i] === ']') depth--;
        i++;
      } while (depth > 0);
      return;
    }
    while (!/[\s,}\]]/.test(text[i])) i++;
  };
  for (;;) {
    skipSpace();
    if (text[i] === '}') return { members: out, close: i };
    const keyStart = i;
    skipString();
    const key = JSON.parse(text.slice(keyStart, i));
    i = text.indexOf(':', i) + 1;
    while (/\s/.test(text[i])) i++;
    const valueStart = i;
    skipValue();
    out.push({ key, lineStart: text.lastIndexOf('\n', keyStart) + 1, keyStart, valueStart, valueEnd: i });
  }
}

/** `value` as JSON indented like a member at `indent` (two spaces per level, as in the repo). */
function render(value, indent) {
  return JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`);
}

/** Sets `key` in the object at `open` to `value`: replaced in place, or inserted after `after` (else first). */
function setMember(text, open, key, value, after) {
  const { members: list } = members(text, open);
  const found = list.find((m) => m.key === key);
  if (found) {
    if (isDeepStrictEqual(JSON.parse(text.slice(found.valueStart, found.valueEnd)), value)) return text;
    const indent = text.slice(found.lineStart, found.keyStart);
    return text.slice(0, found.valueStart) + render(value, indent) + text.slice(found.valueEnd);
  }
  const anchor = list.find((m) => m.key === after) ?? null;
  if (anchor) {
    const indent = text.slice(anchor.lineStart, anchor.keyStart);
    return `${text.slice(0, anchor.valueEnd)},\n${indent}${JSON.stringify(key)}: ${render(value, indent)}${text.slice(anchor.valueEnd)}`;
  }
  const first = list[0];
  const indent = first ? text.slice(first.lineStart, first.keyStart) : '  ';
  const insertAt = first ? first.lineStart : open + 1;
  return `${text.slice(0, insertAt)}${indent}${JSON.stringify(key)}: ${render(value, indent)}${first ? ',' : ''}\n${text.slice(insertAt)}`;
}

/** The package.json text with this tool's fields set; everything else byte for byte as it was. */
export function updateManifestText(text, folder) {
  const manifest = JSON.parse(text);
  const wanted = wantedFields(folder, manifest);
  let out = text;
  const top = () => out.indexOf('{');
  out = setMember(out, top(), 'repository', wanted.repository, 'license');
  out = setMember(out, top(), 'homepage', wanted.homepage, 'repository');
  out = setMember(out, top(), 'bugs', wanted.bugs, 'homepage');
  out = setMember(out, top(), 'engines', wanted.engines, 'bugs');
  out = setMember(out, top(), 'publishConfig', wanted.publishConfig, 'types');
  if (!JSON.parse(out).scripts) out = setMember(out, top(), 'scripts', {}, 'files');
  const scripts = members(out, top()).members.find((m) => m.key === 'scripts');
  out = setMember(out, scripts.valueStart, 'prepack', `nx run ${manifest.name}:build`, 'build');
  // The edit must not have changed anything else.
  const before = JSON.parse(text);
  const after = JSON.parse(out);
  for (const key of Object.keys({ ...before, ...after })) {
    if (['repository', 'homepage', 'bugs', 'engines', 'publishConfig', 'scripts'].includes(key)) continue;
    if (!isDeepStrictEqual(before[key], after[key])) throw new Error(`packages/${folder}/package.json: the edit changed '${key}'; fix tools/package-metadata.mjs.`);
  }
  return out;
}

/** `git@github.com:o/r.git`, `git+https://github.com/o/r.git`, `https://github.com/o/r` all as `https://github.com/o/r`. */
export function normalizeRemote(url) {
  return url
    .trim()
    .replace(/^git\+/, '')
    .replace(/^git@([^:]+):/, 'https://$1/')
    .replace(/^ssh:\/\/git@([^/]+)\//, 'https://$1/')
    .replace(/\.git$/, '')
    .replace(/\/$/, '');
}

/** The publishing fields of one manifest that are missing or differ from `wantedFields`, by name. */
export function staleFields(folder, manifest) {
  const wanted = wantedFields(folder, manifest);
  const stale = Object.keys(wanted).filter((key) => !isDeepStrictEqual(manifest[key], wanted[key]));
  if (manifest.scripts?.prepack !== `nx run ${manifest.name}:build`) stale.push('scripts.prepack');
  return stale.map((key) => (key in manifest || key === 'scripts.prepack' ? key : `${key} (missing)`));
}

/** Problems with the URLs outside package.json: typedoc's source links and the git remote, if any. */
export function urlProblems(root) {
  const problems = [];
  const typedoc = readFileSync(join(root, 'typedoc.json'), 'utf8');
  for (const [, template] of typedoc.matchAll(/"sourceLinkTemplate":\s*"([^"]*)"/g)) {
    if (!template.startsWith(`${REPOSITORY}/blob/`)) problems.push(`typedoc.json's sourceLinkTemplate ${template} is not under ${REPOSITORY}.`);
  }
  let remote = '';
  try {
    remote = execFileSync('git', ['config', '--get', 'remote.origin.url'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // No git, or no origin remote (a fresh `git init`, a tarball): REPOSITORY stands alone.
  }
  // Only a remote on the host REPOSITORY names is the project's public address; a clone of a
  // local path, a mirror or a CI checkout has its own origin and says nothing about the URL to publish.
  const normalized = normalizeRemote(remote.trim());
  const hostOf = (url) => /^https:\/\/([^/]+)\//.exec(url)?.[1];
  if (normalized !== '' && hostOf(normalized) === hostOf(REPOSITORY) && normalized !== REPOSITORY)
    problems.push(`the git remote origin is ${remote.trim()} but tools/package-metadata.mjs publishes ${REPOSITORY}; set REPOSITORY to the remote.`);
  return problems;
}

/** The public packages: { folder, path } for every packages/<folder>/package.json without `private`. */
export function publicPackages(root) {
  const dir = join(root, 'packages');
  return readdirSync(dir)
    .map((folder) => ({ folder, path: join(dir, folder, 'package.json') }))
    .filter((p) => existsSync(p.path) && !JSON.parse(readFileSync(p.path, 'utf8')).private);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), '..', '..');
  const check = process.argv.includes('--check');
  const stale = [];
  for (const { folder, path } of publicPackages(root)) {
    const text = readFileSync(path, 'utf8');
    const next = updateManifestText(text, folder);
    if (next === text) continue;
    stale.push(`packages/${folder}/package.json (${staleFields(folder, JSON.parse(text)).join(', ')})`);
    if (!check) writeFileSync(path, next);
  }
  // typedoc documents packages/* except the private ones: its exclude list must name exactly those.
  const typedoc = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8'));
  const privateFolders = readdirSync(join(root, 'packages'))
    .filter((f) => existsSync(join(root, 'packages', f, 'package.json')) && JSON.parse(readFileSync(join(root, 'packages', f, 'package.json'), 'utf8')).private)
    .map((f) => `packages/${f}`);
  if (!isDeepStrictEqual([...(typedoc.exclude ?? [])].sort(), privateFolders.sort())) {
    console.error(`typedoc.json's exclude is ${JSON.stringify(typedoc.exclude)}; it must list the private packages, ${JSON.stringify(privateFolders)}.`);
    process.exitCode = 1;
  }
  for (const problem of urlProblems(root)) {
    console.error(problem);
    process.exitCode = 1;
  }
  if (check && stale.length > 0) {
    console.error(`Publishing fields out of date in ${stale.join(', ')}: run \`node tools/package-metadata.mjs\`.`);
    process.exit(1);
  }
  console.log(stale.length === 0 ? 'Package metadata up to date.' : `Updated ${stale.join(', ')}.`);
}
