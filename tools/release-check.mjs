#!/usr/bin/env node
// `pnpm release:check`: a release without publishing anything.
//
// 1. Versioning: `changeset version` (then the CORE_VERSION sync) runs in a throwaway copy of the
//    workspace's manifests and changesets; every public @salience/* package must come out at one
//    version (the fixed group), with CORE_VERSION equal to core's.
// 2. Publishing: every package is built, each public one packed with `pnpm pack` (as `changeset
//    publish` would: prepack builds, publishConfig applies), and each tarball checked by publint
//    (--strict) and by are-the-types-wrong (ESM-only profile), and for leftovers: `workspace:`
//    ranges, test files, missing entry points, the `@salience/source` condition, no LICENSE, no
//    repository/engines, or a repository/homepage/bugs other than tools/package-metadata.mjs's
//    REPOSITORY (its --check first says which manifests are stale, and checks the git remote).
// 3. Installing: every tarball is installed with npm into an empty folder outside the workspace
//    (@salience/* from the tarballs only, third-party packages from the npm registry or npm's cache,
//    ONNXRUNTIME_NODE_INSTALL=skip), and each package's entry points are imported in plain Node
//    (no source condition, no tsx) and checked for a few named exports.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { packPackagesInParallel, run } from './pack-packages.mjs';
import { wantedFields } from './package-metadata.mjs';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const ATTW = '@arethetypeswrong/core@0.18.5';
const started = Date.now();
const problems = [];

function step(name, work) {
  const t0 = Date.now();
  console.log(`- ${name}`);
  const value = work();
  const done = () => console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (value instanceof Promise) return value.finally(done);
  done();
  return value;
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** The version that one bump of `kind` makes, or undefined without a bump. */
function bumpVersion(version, kind) {
  const [major, minor, patch] = version.split('-')[0].split('.').map(Number);
  if (kind === 'major') return `${major + 1}.0.0`;
  if (kind === 'minor') return `${major}.${minor + 1}.0`;
  if (kind === 'patch') return `${major}.${minor}.${patch + 1}`;
  return undefined;
}

/**
 * are-the-types-wrong on every tarball in one process (the CLI loads TypeScript anew per run),
 * with the CLI's ESM-only profile: CommonJS resolutions are not expected to work.
 */
const ATTW_RUNNER = `
import { readFileSync } from 'node:fs';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
const ignored = ['node10', 'node16-cjs'];
const out = {};
for (const tarball of JSON.parse(process.argv[1])) {
  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(tarball))));
  out[tarball] = analysis.types ? analysis.problems.filter((p) => !('resolutionKind' in p) || !ignored.includes(p.resolutionKind)) : [{ kind: 'NoTypes' }];
}
console.log(JSON.stringify(out));
`;

/** Per package and entry point, named exports that must be there after `npm install <tarball>`. */
const INSTALL_EXPORTS = {
  '@salience/audit': { '.': ['boxRegion', 'cornerRegions'] },
  '@salience/cli': { '.': ['runCli', 'explain', 'audit'] },
  '@salience/core': { '.': ['tensor', 'CORE_VERSION', 'resolveTargets', 'normalize'] },
  '@salience/grad-cam': { '.': ['gradCam', 'gradCamPlusPlus'] },
  '@salience/gradient': { '.': ['gradient', 'inputXGradient'] },
  '@salience/integrated-gradients': { '.': ['integratedGradients', 'QUADRATURES'] },
  '@salience/occlusion': { '.': ['occlusion', 'featureAblation'] },
  '@salience/modified-backprop': { '.': ['guidedBackprop', 'deconvnet', 'deepLift', 'lrp', 'guidedGradCam'] },
  '@salience/npy': { '.': ['readNpy', 'writeNpy', 'readNpyHeader', 'NpyError'] },
  '@salience/onnx': { '.': ['fromOnnx', 'supportedOps'] },
  '@salience/onnx-autodiff': { '.': ['addGradients', 'buildGradients'] },
  '@salience/render': { '.': ['toDisplayMap', 'htmlReport', 'encodePng', 'colormap'], './node': ['writePng', 'writeHtmlReport'] },
  '@salience/sanity-checks': { '.': ['runSanityChecks', 'reportTable'], './metrics': ['perturbationCurves', 'spearman', 'toMaps2d'], './tfjs': [] },
  '@salience/shapley': { '.': ['kernelShap', 'lime', 'shapleySampling'] },
  '@salience/smoothgrad': { '.': ['smoothGrad', 'varGrad'] },
  '@salience/testing': { '.': ['compareMaps', 'loadCaptumFixture'], './tfjs': [] },
  '@salience/text': { '.': ['loadTextClassifier', 'fromTransformersJs', 'TextTokenizer', 'QuantizedModelError'] },
  '@salience/tfjs': { '.': ['fromTfjs'] },
  '@salience/token-saliency': { '.': ['tokenSaliency', 'tokenIntegratedGradients'] },
};

/** Imports each package entry in plain Node and lists what is wrong: { [name]: string[] }. */
const IMPORT_RUNNER = `
const expected = JSON.parse(process.argv[1]);
const out = {};
for (const [name, entries] of Object.entries(expected)) {
  out[name] = [];
  for (const [entry, names] of Object.entries(entries)) {
    const specifier = entry === '.' ? name : name + entry.slice(1);
    try {
      const module = await import(specifier);
      const absent = names.filter((n) => !(n in module));
      if (absent.length > 0) out[name].push(specifier + ' has no export ' + absent.join(', '));
    } catch (error) {
      out[name].push('import(' + JSON.stringify(specifier) + ') failed: ' + String(error.message).split('\\n')[0]);
    }
  }
}
console.log(JSON.stringify(out));
`;

function workspacePackages(base) {
  const dir = join(base, 'packages');
  return readdirSync(dir)
    .filter((p) => existsSync(join(dir, p, 'package.json')))
    .map((p) => ({ folder: p, dir: join(dir, p), manifest: readJson(join(dir, p, 'package.json')) }));
}

const work = mkdtempSync(join(tmpdir(), 'salience-release-check-'));
try {
  const packages = workspacePackages(root);
  const published = packages.filter((p) => !p.manifest.private);

  step('changeset version, in a throwaway copy', () => {
    const copy = join(work, 'repo');
    mkdirSync(copy);
    for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, file), join(copy, file));
    cpSync(join(root, '.changeset'), join(copy, '.changeset'), { recursive: true });
    for (const p of packages) cpSync(join(p.dir, 'package.json'), join(copy, 'packages', p.folder, 'package.json'));
    cpSync(join(root, 'packages', 'core', 'src', 'plugin.ts'), join(copy, 'packages', 'core', 'src', 'plugin.ts'));
    const coreBefore = readJson(join(copy, 'packages', 'core', 'package.json')).version;
    const pending = readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    const bumps = pending
      .map((f) => readFileSync(join(copy, '.changeset', f), 'utf8'))
      .flatMap((text) => [...(text.split('---')[1] ?? '').matchAll(/:\s*(major|minor|patch)\b/g)].map((m) => m[1]));
    run(join(root, 'node_modules', '.bin', 'changeset'), ['version'], copy);
    run('node', [join(root, 'tools', 'sync-core-version.mjs'), copy], copy);
    const after = workspacePackages(copy).filter((p) => !p.manifest.private);
    const versions = new Set(after.map((p) => p.manifest.version));
    const coreVersion = after.find((p) => p.manifest.name === '@salience/core').manifest.version;
    const stamped = /export const CORE_VERSION = '([^']*)';/.exec(readFileSync(join(copy, 'packages', 'core', 'src', 'plugin.ts'), 'utf8'))?.[1];
    const before = published.map((p) => `${p.manifest.name}@${p.manifest.version}`);
    console.log(`  ${pending.length} changeset(s): ${pending.join(', ') || 'none'}`);
    console.log(
      `  ${before.length} public packages, ${[...new Set(published.map((p) => p.manifest.version))].join(', ')} -> ${[...versions].join(', ')}; CORE_VERSION -> ${stamped}`,
    );
    const expected = bumpVersion(
      coreBefore,
      ['major', 'minor', 'patch'].find((b) => bumps.includes(b)),
    );
    if (expected && coreVersion !== expected) {
      problems.push(
        `changeset version made ${coreVersion}, but the changesets ask for ${expected}: packages whose peer range on a bumped package (e.g. '^${coreBefore}') no longer admits the new version are bumped a major, and the fixed group follows. While the packages are 0.x, peers on '^0.y' admit patches only: release with patch changesets, or write a major changeset to move to ${bumpVersion(coreBefore, 'major')} deliberately.`,
      );
    }
    if (versions.size !== 1)
      problems.push(`changeset version left the public packages at several versions: ${after.map((p) => `${p.manifest.name}@${p.manifest.version}`).join(', ')}`);
    if (stamped !== coreVersion) problems.push(`CORE_VERSION is '${stamped}' after the sync, but core's version is ${coreVersion}`);
    const missingLog = after.filter((p) => pending.length > 0 && !existsSync(join(p.dir, 'CHANGELOG.md'))).map((p) => p.manifest.name);
    if (missingLog.length > 0) problems.push(`no CHANGELOG.md written for ${missingLog.join(', ')}`);
  });

  step('build every package (nx)', () => run('pnpm', ['exec', 'nx', 'run-many', '-t', 'build', '--outputStyle=stream'], root));

  step('publishing fields (tools/package-metadata.mjs --check)', () => {
    const r = run('node', [join(root, 'tools', 'package-metadata.mjs'), '--check'], root, { allowFailure: true });
    if (r.status !== 0) problems.push(r.output.trim());
  });

  const packed = await step(`pack the ${published.length} public packages (pnpm pack, one at a time)`, () =>
    packPackagesInParallel(
      root,
      published.map((p) => p.folder),
      join(work, 'tarballs'),
      1,
    ),
  );

  const typeProblems = step('are-the-types-wrong on every tarball (ESM-only profile)', () => {
    const runner = join(work, 'attw');
    mkdirSync(runner);
    writeFileSync(join(runner, 'package.json'), '{ "name": "attw-runner", "private": true, "type": "module" }\n');
    run('pnpm', ['add', ATTW, '--prefer-offline', '--ignore-workspace'], runner);
    const result = run('node', ['--input-type=module', '-e', ATTW_RUNNER, JSON.stringify(packed.map((p) => p.tarball))], runner);
    return JSON.parse(result.output.trim().split('\n').pop());
  });

  step('check the tarballs: contents, publint --strict', () => {
    for (const { name, folder, tarball } of packed) {
      const listing = run('tar', ['-tzf', tarball], work).output.split('\n').filter(Boolean);
      const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], work).output);
      const found = [];
      const ranges = Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies }).filter(([, r]) =>
        String(r).startsWith('workspace:'),
      );
      if (ranges.length > 0) found.push(`workspace ranges left in: ${ranges.map(([d, r]) => `${d}@${r}`).join(', ')}`);
      const tests = listing.filter((f) => /\.test\.[cm]?[jt]s$/.test(f));
      if (tests.length > 0) found.push(`test files packed: ${tests.slice(0, 3).join(', ')}`);
      if (JSON.stringify(manifest.exports ?? {}).includes('@salience/source')) found.push("the '@salience/source' export condition is packed (publishConfig.exports missing?)");
      if (!listing.includes('package/LICENSE')) found.push('no LICENSE in the tarball');
      const missingFields = ['repository', 'homepage', 'bugs', 'engines'].filter((f) => !manifest[f]);
      if (missingFields.length > 0) found.push(`no ${missingFields.join(', ')} in the packed package.json`);
      // The same project URL in every tarball (tools/package-metadata.mjs's REPOSITORY), pointing at this package.
      const wanted = wantedFields(folder, manifest);
      const wrongUrls = ['repository', 'homepage', 'bugs'].filter((f) => manifest[f] && !isDeepStrictEqual(manifest[f], wanted[f]));
      if (wrongUrls.length > 0)
        found.push(
          `${wrongUrls.map((f) => `${f} ${JSON.stringify(manifest[f])}`).join(', ')} in the packed package.json; want ${wrongUrls.map((f) => JSON.stringify(wanted[f])).join(', ')}`,
        );
      const entry = manifest.exports?.['.']?.default ?? manifest.main;
      if (!entry || !listing.includes(join('package', entry))) found.push(`entry point ${entry} is not in the tarball (was it built?)`);
      const publint = run(join(root, 'node_modules', '.bin', 'publint'), ['run', tarball, '--strict'], work, { allowFailure: true });
      if (publint.status !== 0) found.push(`publint:\n${publint.output.trim()}`);
      const types = typeProblems[tarball] ?? [];
      if (types.length > 0)
        found.push(
          `are-the-types-wrong: ${types.map((p) => `${p.kind}${p.entrypoint ? ` at ${p.entrypoint}` : ''}${p.resolutionKind ? ` (${p.resolutionKind})` : ''}`).join(', ')}`,
        );
      console.log(`  ${found.length === 0 ? 'ok  ' : 'FAIL'} ${name} (${listing.length} files)`);
      for (const f of found) problems.push(`${name}: ${f}`);
    }
  });

  step('install the tarballs with npm in a clean folder, import every entry in Node', () => {
    const app = join(work, 'app');
    mkdirSync(app);
    const deps = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
    // overrides: a dependency between our packages must resolve to its tarball, never the registry.
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'release-check-app', private: true, type: 'module', dependencies: deps, overrides: deps }, null, 2)}\n`);
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app, { env: { ONNXRUNTIME_NODE_INSTALL: 'skip' } });
    const expected = Object.fromEntries(packed.map((p) => [p.name, INSTALL_EXPORTS[p.name] ?? {}]));
    const missing = packed.filter((p) => !INSTALL_EXPORTS[p.name]).map((p) => p.name);
    if (missing.length > 0) problems.push(`tools/release-check.mjs names no exports to check for ${missing.join(', ')}: add them to INSTALL_EXPORTS`);
    const result = run('node', ['--input-type=module', '-e', IMPORT_RUNNER, JSON.stringify(expected)], app, { allowFailure: true });
    const report = JSON.parse(result.output.trim().split('\n').pop());
    for (const [name, errors] of Object.entries(report)) {
      console.log(`  ${errors.length === 0 ? 'ok  ' : 'FAIL'} import ${name}`);
      for (const e of errors) problems.push(`${name} installed from its tarball: ${e}`);
    }
  });
} catch (error) {
  problems.push(error.message);
} finally {
  rmSync(work, { recursive: true, force: true });
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (problems.length > 0) {
  console.error(`\nRelease check failed (${seconds} s):\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`\nRelease check passed in ${seconds} s: versions move together, every tarball is publishable, installs with npm and imports in Node.`);
