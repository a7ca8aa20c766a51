// `pnpm bench:webgpu [same flags as pnpm bench]`: tools/bench.ts on tfjs's webgpu backend in Node,
// through the `webgpu` package (Dawn over Vulkan). On a machine with a GPU and its Vulkan driver
// (an ICD under /usr/share/vulkan/icd.d or /etc/vulkan/icd.d) Dawn uses that GPU; elsewhere it
// falls back to SwiftShader, the CPU Vulkan driver of Debian's chromium (slow; for checking only).
// Dawn reads the Vulkan settings when the process starts, so this script starts itself again with them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { CHROMIUM_LIB_DIR, SWIFTSHADER_ICD } from '@salience/browser-tests/chromium';
import { installDawnNavigator } from '@salience/browser-tests/dawn';

const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];
const systemIcds = ICD_DIRS.filter(existsSync).flatMap((dir) => readdirSync(dir).map((f) => `${dir}/${f}`));

if (!process.env.SALIENCE_DAWN_READY) {
  const env: NodeJS.ProcessEnv = { ...process.env, SALIENCE_DAWN_READY: '1' };
  if (systemIcds.length === 0 && !env.VK_ICD_FILENAMES) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  // Dawn needs libvulkan.so.1: the system's (libvulkan1), else the copy that Debian's chromium ships.
  if (existsSync(CHROMIUM_LIB_DIR)) env.LD_LIBRARY_PATH = env.LD_LIBRARY_PATH ? `${env.LD_LIBRARY_PATH}:${CHROMIUM_LIB_DIR}` : CHROMIUM_LIB_DIR;
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env, stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const adapter = await installDawnNavigator();
console.log(`Dawn adapter: ${adapter} (Vulkan drivers: ${process.env.VK_ICD_FILENAMES ?? (systemIcds.join(', ') || 'none found')})`);
await import('@tensorflow/tfjs-backend-webgpu');
const args = process.argv.slice(2);
process.argv = [process.argv[0]!, process.argv[1]!, ...(args.includes('--backend') ? args : ['--backend', 'webgpu', ...args])];
await import('./bench.ts');
