#!/usr/bin/env node
// `pnpm plugin-proof [--keep]`: proves, from outside the workspace, that a third party can write
// salience plugins with the published kit.
//
// 1. builds @salience/core and @salience/testing and packs them (`pnpm pack`): the tarballs that
//    npm would serve;
// 2. in a temporary folder outside the repository, generates with `tools/create-plugin.mjs` a
//    method plugin (RISE, whose sources are then filled in from tools/plugin-proof/rise), an adapter
//    plugin (plain JavaScript functions, the template as generated) and the method template as
//    generated, plus an app that uses both plugins; installs them against the tarballs;
// 3. builds, typechecks and tests every package there: the conformance suites must be green;
// 4. adds deliberately broken adapters (gradients of the wrong shape, a leaked tensor per call)
//    and checks that the kit fails them with messages that say what is wrong.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packPackages, run as runCommand } from '../pack-packages.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const keep = process.argv.includes('--keep');
const started = Date.now();
const timings = [];

function run(command, args, cwd, { allowFailure = false, quiet = false } = {}) {
  const result = runCommand(command, args, cwd, { allowFailure });
  if (!quiet && process.env.PLUGIN_PROOF_VERBOSE) console.log(result.output);
  return result;
}

function step(name, work) {
  const t0 = Date.now();
  process.stdout.write(`- ${name} ... `);
  const value = work();
  const seconds = (Date.now() - t0) / 1000;
  timings.push([name, seconds]);
  console.log(`${seconds.toFixed(1)} s`);
  return value;
}

function check(condition, message) {
  if (!condition) throw new Error(`Plugin proof failed: ${message}`);
}

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

const work = mkdtempSync(join(tmpdir(), 'salience-plugin-proof-'));
check(!work.startsWith(root), `the temporary folder ${work} must be outside the repository`);
console.log(`Plugin proof in ${work}`);

try {
  step('build @salience/core and @salience/testing', () =>
    run('pnpm', ['exec', 'nx', 'run-many', '-t', 'build', '-p', '@salience/core', '@salience/testing', '--outputStyle=stream'], root, { quiet: true }),
  );

  const packed = step('pack them (pnpm pack)', () => {
    const [core, testing] = packPackages(root, ['core', 'testing'], join(work, 'tarballs'));
    return { core: core.tarball, testing: testing.tarball };
  });

  step('generate the plugins (pnpm create-plugin)', () => {
    const create = (kind, name, pkg) => run('node', [join(root, 'tools', 'create-plugin.mjs'), kind, name, '--dir', join(work, name), '--package', pkg], work, { quiet: true });
    create('method', 'rise', '@acme/salience-rise');
    create('adapter', 'js-function', '@acme/salience-js-function');
    create('method', 'template-method', '@acme/salience-template-method');
    // RISE: the generated skeleton, with the method's own sources and README in place of the template's.
    cpSync(join(here, 'rise'), join(work, 'rise'), { recursive: true });
    // An app that uses both plugins, as their users would.
    cpSync(join(here, 'app'), join(work, 'app'), { recursive: true });
    const plugin = readJson(join(work, 'rise', 'package.json'));
    writeFileSync(
      join(work, 'app', 'package.json'),
      json({
        name: 'salience-plugins-app',
        private: true,
        type: 'module',
        scripts: { typecheck: 'tsc -p tsconfig.json --noEmit', test: 'vitest run' },
        devDependencies: {
          '@acme/salience-js-function': 'workspace:*',
          '@acme/salience-rise': 'workspace:*',
          '@salience/core': plugin.peerDependencies['@salience/core'],
          '@salience/testing': plugin.devDependencies['@salience/testing'],
          typescript: plugin.devDependencies.typescript,
          vitest: plugin.devDependencies.vitest,
        },
      }),
    );
  });

  step('lay out the workspace', () => {
    cpSync(join(work, 'rise', 'tsconfig.json'), join(work, 'app', 'tsconfig.json'));
    cpSync(join(work, 'rise', 'vitest.config.ts'), join(work, 'app', 'vitest.config.ts'));
    writeFileSync(join(work, 'package.json'), json({ name: 'salience-plugin-proof', private: true }));
    // The tarballs stand in for the registry: every @salience/* range resolves to them.
    writeFileSync(
      join(work, 'pnpm-workspace.yaml'),
      [
        'packages: [rise, js-function, template-method, app]',
        'overrides:',
        `  '@salience/core': 'file:${packed.core}'`,
        `  '@salience/testing': 'file:${packed.testing}'`,
        'allowBuilds:',
        '  esbuild: true',
        '',
      ].join('\n'),
    );
  });

  step('install them against the tarballs (pnpm install)', () => run('pnpm', ['install', '--prefer-offline', '--config.confirmModulesPurge=false'], work, { quiet: true }));
  // The app imports the plugins' dist/; the template method is typechecked only.
  step('build the plugins (tsc)', () => run('pnpm', ['-r', '--filter', './rise', '--filter', './js-function', 'build'], work, { quiet: true }));
  step('typecheck every package (tsc --noEmit)', () => run('pnpm', ['-r', 'typecheck'], work, { quiet: true }));

  const reports = step('test every package (vitest)', () => {
    const out = {};
    for (const p of ['template-method', 'js-function', 'rise', 'app']) {
      const report = join(work, p, 'vitest.json');
      const r = run('pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], join(work, p), { allowFailure: true, quiet: true });
      out[p] = { status: r.status, report: readJson(report), output: r.output };
    }
    return out;
  });
  for (const [p, { status, report, output }] of Object.entries(reports)) {
    if (status !== 0 || report.numFailedTests > 0 || report.numPassedTests === 0) console.error(output);
    check(status === 0 && report.numFailedTests === 0, `${p}: ${report.numFailedTests} tests failed`);
    check(report.numPassedTests > 0, `${p}: no tests ran`);
  }
  const titles = (p) => reports[p].report.testResults.flatMap((f) => f.assertionResults.map((a) => [...a.ancestorTitles, a.title].join(' > ')));
  const ran = (p, pattern) =>
    check(
      titles(p).some((t) => pattern.test(t)),
      `${p}: no test matching ${pattern}`,
    );
  ran(
    'rise',
    /^rise on an NCHW image conforms to the Method contract > leaks|rise on an NCHW image conforms to the Method contract > batching and determinism > gives other maps for another seed/,
  );
  ran('js-function', /^js-function conforms to the Model contract > input gradients > inputGradients for objective 'probability'/);
  ran('template-method', /^template-method on a tabular model conforms to the Method contract > errors/);
  ran('app', /^rise on a JavaScript function model conforms to the Method contract > leaks/);
  ran('app', /^version skew > an adapter built against an older major is reported once/);

  const broken = step('run the kit on deliberately broken adapters', () => {
    cpSync(join(here, 'broken', 'broken-adapter.test.ts'), join(work, 'js-function', 'src', 'broken-adapter.test.ts'));
    const report = join(work, 'js-function', 'broken.json');
    const r = run('pnpm', ['exec', 'vitest', 'run', 'src/broken-adapter.test.ts', '--reporter=json', `--outputFile.json=${report}`], join(work, 'js-function'), {
      allowFailure: true,
      quiet: true,
    });
    return { status: r.status, report: readJson(report) };
  });
  check(broken.status !== 0, 'the kit passed the broken adapters');
  const failures = broken.report.testResults.flatMap((f) =>
    f.assertionResults.filter((a) => a.status === 'failed').map((a) => ({ suite: a.ancestorTitles.join(' > '), title: a.title, message: a.failureMessages.join('\n') })),
  );
  const expectFailure = (suite, title, message) => {
    const hit = failures.find((f) => f.suite.startsWith(suite) && title.test(f.title) && message.test(f.message));
    check(
      hit,
      `no failure of '${suite}' matching ${title} with a message matching ${message}; failures were:\n${failures.map((f) => `  ${f.suite} > ${f.title}: ${f.message.split('\n')[0]}`).join('\n')}`,
    );
    return hit;
  };
  const shape = expectFailure(
    'an adapter whose gradients lose their shape',
    /have the shape of the input/,
    /inputGradients have shape \[20\]; expected the input's shape \[4, 5\]/,
  );
  const leak = expectFailure(
    'an adapter that leaks a tensor per call',
    /keeps liveTensors\(\) unchanged/,
    /liveTensors\(\) changed across requests:\n\s+logits \(answered\): \d+ -> \d+/,
  );
  // The leak shows wherever tensors are counted (the leak check, and the dispose check's rejected call), nowhere else.
  const leakFailures = failures.filter((f) => f.suite.startsWith('an adapter that leaks'));
  const unrelated = leakFailures.filter((f) => !/liveTensors\(\)/.test(f.message));
  check(unrelated.length === 0, `the leaking adapter failed checks unrelated to tensor counts: ${unrelated.map((f) => `${f.title}: ${f.message.split('\n')[0]}`).join('; ')}`);

  const count = (p) => reports[p].report.numPassedTests;
  console.log(
    `\nGreen from outside the workspace: ${Object.keys(reports)
      .map((p) => `${p} ${count(p)} tests`)
      .join(', ')}.`,
  );
  console.log(`Broken adapters fail the kit (${failures.length} failed checks), e.g.:`);
  console.log(`  ${shape.title}: ${shape.message.split('\n')[0]}`);
  console.log(`  ${leak.title}: ${leak.message.split('\n').slice(0, 2).join(' ')}`);
  console.log(`\nPlugin proof passed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} catch (error) {
  console.error(`\n${error.message}`);
  console.error(`Kept ${work} for inspection.`);
  process.exitCode = 1;
} finally {
  if (!keep && process.exitCode !== 1) rmSync(work, { recursive: true, force: true });
  else if (keep) console.log(`Kept ${work}.`);
}
