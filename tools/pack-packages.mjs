// Shared by `pnpm plugin-proof` and `pnpm release:check`: run a command, and pack workspace
// packages the way they are published (`pnpm pack`: prepack builds, publishConfig applies,
// `workspace:` ranges become versions, the root LICENSE is copied in).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

function commandEnv(extra) {
  return { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
}

/** Runs `command args` in `cwd`; throws with its output unless it exits 0 (or `allowFailure`). */
export function run(command, args, cwd, { allowFailure = false, env = {} } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: commandEnv(env),
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 && !allowFailure) {
    console.error(output);
    throw new Error(`\`${command} ${args.join(' ')}\` failed in ${cwd} (exit ${result.status}).`);
  }
  return { status: result.status, output };
}

/**
 * Packs packages/<folder> for each folder into `destination` with `pnpm pack`.
 * Returns `{ name, folder, tarball }` per package, in the order given.
 */
export function packPackages(root, folders, destination) {
  mkdirSync(destination, { recursive: true });
  return folders.map((folder) => {
    const dir = join(root, 'packages', folder);
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const before = new Set(readdirSync(destination));
    run('pnpm', ['pack', '--pack-destination', destination], dir);
    const file = readdirSync(destination).find((f) => !before.has(f) && f.endsWith('.tgz'));
    if (!file) throw new Error(`pnpm pack wrote no tarball for ${name} into ${destination}.`);
    return { name, folder, tarball: join(destination, file) };
  });
}

/**
 * `packPackages` with up to `concurrency` packs at once: each prepack starts nx, whose start-up
 * dominates when the builds are cached. Each package packs into its own folder, then its tarball
 * is moved into `destination`.
 */
export async function packPackagesInParallel(root, folders, destination, concurrency = 3) {
  mkdirSync(destination, { recursive: true });
  const results = new Array(folders.length);
  let next = 0;
  const packOne = (k) =>
    new Promise((resolvePack, rejectPack) => {
      const folder = folders[k];
      const dir = join(root, 'packages', folder);
      const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const own = join(destination, `.${folder}`);
      mkdirSync(own, { recursive: true });
      const child = spawn('pnpm', ['pack', '--pack-destination', own], { cwd: dir, env: commandEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      child.on('error', rejectPack);
      child.on('close', (status) => {
        const file = status === 0 ? readdirSync(own).find((f) => f.endsWith('.tgz')) : undefined;
        if (!file) {
          console.error(output);
          rejectPack(new Error(`\`pnpm pack\` failed for ${name} in ${dir} (exit ${status}).`));
          return;
        }
        renameSync(join(own, file), join(destination, file));
        rmSync(own, { recursive: true, force: true });
        results[k] = { name, folder, tarball: join(destination, file) };
        resolvePack();
      });
    });
  // A pack that fails is tried once more: on a fresh clone a first pack has been seen to lose its
  // destination folder (ERR_PNPM_PACK_WRITE_TARBALL) and pass on the next try.
  const worker = async () => {
    while (next < folders.length) {
      const k = next++;
      await packOne(k).catch(() => packOne(k));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, folders.length) }, worker));
  return results;
}
