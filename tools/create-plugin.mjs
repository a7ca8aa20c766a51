#!/usr/bin/env node
// `pnpm create-plugin <method|adapter> <name> [--dir <folder>] [--package <npm name>]`
//
// Makes a ready salience plugin package from tools/plugin-templates/<kind>: manifest with a peer
// dependency on @salience/core, src/ with a working method or adapter, a conformance test on the
// suites of @salience/testing, a README and a changeset.
//
// Inside this repository (the default folder, packages/<name>) the package follows the workspace's
// conventions: @salience/<name>, workspace dependencies, the shared tsconfig and vitest config, a
// changeset in .changeset/. Anywhere else it is a standalone package for a third party, with its
// own tsconfig, vitest, changesets and a stamp of the core version it was built against.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KINDS = ['method', 'adapter'];
const USAGE =
  'Usage: pnpm create-plugin <method|adapter> <name> [--dir <folder>] [--package <npm name>]\n  e.g. pnpm create-plugin method rise --dir ../salience-rise --package @acme/salience-rise';

function parseArgs(argv) {
  const positional = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') flags.help = true;
    else if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split('=', 2);
      flags[key] = inline ?? argv[++i];
      if (flags[key] === undefined) throw new Error(`--${key} needs a value.\n${USAGE}`);
    } else positional.push(a);
  }
  return { positional, flags };
}

const words = (name) => name.split('-').filter(Boolean);
const pascal = (name) =>
  words(name)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
const camel = (name) => {
  const p = pascal(name);
  return p[0].toLowerCase() + p.slice(1);
};

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Everything the templates and manifests need to know, from the arguments and this repository. */
export function planPlugin(kind, name, flags = {}) {
  if (!KINDS.includes(kind)) throw new Error(`Unknown kind '${kind}'; use one of ${KINDS.join(', ')}.\n${USAGE}`);
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name ?? '')) {
    throw new Error(`The name '${name}' must be kebab-case (lower-case letters, digits, dashes), e.g. 'rise' or 'my-method'.\n${USAGE}`);
  }
  const dir = resolve(flags.dir ?? join(root, 'packages', name));
  const inRepo = dirname(dir) === join(root, 'packages');
  const coreVersion = readJson(join(root, 'packages', 'core', 'package.json')).version;
  const packageName = flags.package ?? (inRepo ? `@salience/${name}` : `salience-${name}`);
  if (!/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/.test(packageName)) throw new Error(`'${packageName}' is not a valid npm package name.`);
  const id = camel(name);
  const replacements = {
    __NAME__: name,
    __ID__: name,
    __Pascal__: pascal(name),
    __camel__: kind === 'adapter' ? `from${pascal(name)}` : id,
    __PACKAGE__: packageName,
    __CORE_VERSION__: coreVersion,
  };
  return { kind, name, dir, inRepo, coreVersion, packageName, replacements };
}

function substitute(text, replacements) {
  let out = text;
  for (const [key, value] of Object.entries(replacements)) out = out.split(key).join(value);
  return out;
}

/** In the workspace, versions move together and no stamp is needed: drop the stamp's lines and files. */
function dropStamp(text) {
  return text
    .split('\n')
    .filter((line) => !line.includes('// plugin-stamp'))
    .join('\n')
    .replace(/<!-- plugin-stamp:start -->[\s\S]*?<!-- plugin-stamp:end -->\n?/g, '');
}

function keepStamp(text) {
  return text
    .split('\n')
    .map((line) => line.replace(/ \/\/ plugin-stamp$/, ''))
    .filter((line) => !/<!-- plugin-stamp:(start|end) -->/.test(line))
    .join('\n');
}

function templateFiles(kind) {
  const base = join(root, 'tools', 'plugin-templates', kind);
  const files = [];
  const walk = (folder) => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(relative(base, path));
    }
  };
  walk(base);
  return files.map((file) => ({ file, text: readFileSync(join(base, file), 'utf8') }));
}

function manifest(plan) {
  const rootManifest = readJson(join(root, 'package.json'));
  const dev = rootManifest.devDependencies;
  const description = plan.kind === 'method' ? `The '${plan.name}' attribution method for salience.` : `A salience adapter for models written as plain JavaScript functions.`;
  const common = {
    name: plan.packageName,
    version: plan.inRepo ? plan.coreVersion : '0.0.0',
    description,
    license: 'Apache-2.0',
    type: 'module',
    sideEffects: false,
  };
  if (plan.inRepo) {
    return {
      ...common,
      exports: {
        '.': { '@salience/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
        './package.json': './package.json',
      },
      types: './dist/index.d.ts',
      files: ['dist', 'src', '!src/**/*.test.ts'],
      scripts: { build: 'tsc -p tsconfig.build.json', typecheck: 'tsc -p tsconfig.json --noEmit', lint: 'biome lint src && publint --strict', test: 'vitest run' },
      keywords: ['saliency', 'attribution', 'explainability', 'xai'],
      peerDependencies: { '@salience/core': 'workspace:^' },
      devDependencies: { '@salience/core': 'workspace:^', '@salience/testing': 'workspace:^' },
    };
  }
  const range = `^${plan.coreVersion}`;
  return {
    ...common,
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    types: './dist/index.d.ts',
    files: ['dist', 'src', '!src/**/*.test.ts'],
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      test: 'vitest run',
      changeset: 'changeset',
      prepublishOnly: 'npm run build',
    },
    keywords: ['salience', 'salience-plugin', `salience-${plan.kind}`, 'saliency', 'attribution'],
    engines: { node: '>=20' },
    peerDependencies: { '@salience/core': range },
    devDependencies: {
      '@changesets/cli': dev['@changesets/cli'],
      '@salience/core': range,
      '@salience/testing': range,
      typescript: dev.typescript,
      vitest: dev.vitest,
    },
  };
}

function configFiles(plan) {
  const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
  if (plan.inRepo) {
    return {
      'tsconfig.json': json({ extends: '../../tsconfig.base.json', compilerOptions: { customConditions: ['@salience/source'], noEmit: true }, include: ['src'] }),
      'tsconfig.build.json': json({ extends: '../../tsconfig.base.json', compilerOptions: { rootDir: 'src', outDir: 'dist' }, include: ['src'], exclude: ['src/**/*.test.ts'] }),
      'vitest.config.ts': `import { packageTestConfig } from '../../vitest.shared.ts';\n\nexport default packageTestConfig('${plan.packageName}');\n`,
    };
  }
  const compilerOptions = {
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    declaration: true,
    declarationMap: true,
    sourceMap: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    types: [],
    rootDir: 'src',
    outDir: 'dist',
  };
  return {
    'tsconfig.json': json({ compilerOptions, include: ['src'] }),
    'tsconfig.build.json': json({ extends: './tsconfig.json', exclude: ['src/**/*.test.ts'] }),
    'vitest.config.ts': `import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { include: ['src/**/*.test.ts'] } });\n`,
    '.gitignore': 'node_modules/\ndist/\n',
    '.changeset/config.json': json({
      $schema: 'https://unpkg.com/@changesets/config@3.1.1/schema.json',
      changelog: '@changesets/cli/changelog',
      commit: false,
      fixed: [],
      linked: [],
      access: 'public',
      baseBranch: 'main',
      updateInternalDependencies: 'patch',
      ignore: [],
    }),
  };
}

function changeset(plan) {
  const what = plan.kind === 'method' ? `the '${plan.name}' attribution method` : 'an adapter for models written as plain JavaScript functions';
  // In the workspace the fixed group moves every package; its 0.x peers admit patches only (a minor would become a major).
  const bump = plan.inRepo ? 'patch' : 'minor';
  return `---\n'${plan.packageName}': ${bump}\n---\n\nFirst release: ${what}, tested with the salience ${plan.kind} conformance suite.\n`;
}

/** Writes the package; returns the files written, relative to its folder. */
export function createPlugin(plan) {
  if (existsSync(plan.dir) && readdirSync(plan.dir).length > 0) throw new Error(`${plan.dir} exists and is not empty; choose another --dir.`);
  const files = {};
  for (const { file, text } of templateFiles(plan.kind)) {
    if (plan.inRepo && file === join('src', 'plugin.ts')) continue;
    const shaped = plan.inRepo ? dropStamp(text) : keepStamp(text);
    files[substitute(file, plan.replacements)] = substitute(shaped, plan.replacements);
  }
  files['package.json'] = `${JSON.stringify(manifest(plan), null, 2)}\n`;
  Object.assign(files, configFiles(plan));
  const changesetName = `${plan.name}-first-release.md`;
  if (!plan.inRepo) files[join('.changeset', changesetName)] = changeset(plan);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(plan.dir, file)), { recursive: true });
    writeFileSync(join(plan.dir, file), text);
  }
  const written = Object.keys(files);
  if (plan.inRepo) {
    const path = join(root, '.changeset', changesetName);
    writeFileSync(path, changeset(plan));
    written.push(relative(plan.dir, path));
  }
  return written.sort();
}

function main() {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  if (flags.help || positional.length !== 2) {
    console.log(USAGE);
    process.exit(flags.help ? 0 : 1);
  }
  const plan = planPlugin(positional[0], positional[1], flags);
  const written = createPlugin(plan);
  const where = relative(process.cwd(), plan.dir) || '.';
  console.log(`Created ${plan.packageName} (${plan.kind}) in ${where}:\n  ${written.join('\n  ')}`);
  const steps = plan.inRepo
    ? [`flock /tmp/pnpm.lock pnpm install   # links the new workspace package`, `cd ${where} && pnpm vitest run && pnpm typecheck && pnpm build && pnpm lint`]
    : [`cd ${where}`, 'npm install          # or pnpm install', 'npm test             # the salience conformance suite', 'npm run typecheck && npm run build'];
  console.log(`\nNext:\n  ${steps.join('\n  ')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
