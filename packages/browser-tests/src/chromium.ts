import { existsSync } from 'node:fs';

/** Debian's Chromium: the only browser these tests drive (test tools must never download one). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** SwiftShader's Vulkan driver, shipped by Debian's chromium: WebGL, WebGPU and Dawn in Node run on it where there is no GPU. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Where Debian's chromium keeps its own libvulkan.so.1, which Dawn in Node can load too. */
export const CHROMIUM_LIB_DIR = '/usr/lib/chromium';

/**
 * Launch flags, found by trying them on a 2-core machine without a GPU (Chromium 156):
 * - WebGL 2 is offered with or without flags, on ANGLE over SwiftShader's Vulkan, with float32
 *   render targets; `--use-angle=swiftshader --enable-unsafe-swiftshader` makes that explicit
 *   (and keeps it so on machines whose GPU Chromium would refuse).
 * - WebGPU needs `--enable-unsafe-webgpu`; without a GPU, `--use-webgpu-adapter=swiftshader`
 *   then gives a fallback adapter (vendor google, architecture swiftshader). Without that flag
 *   `requestAdapter()` answers null.
 * - The rest keeps Chromium off the network (this machine's closed network refuses it loudly).
 * Playwright starts every browser with a fresh, temporary --user-data-dir of its own.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-dev-shm-usage',
];

const runsAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Playwright launch options for Debian's Chromium, headless; --no-sandbox only where it must (as root). */
export function chromiumLaunchOptions(): { executablePath: string; headless: true; args: string[] } {
  assertChromium();
  return { executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...(runsAsRoot ? ['--no-sandbox'] : [])] };
}

/** Throws, saying what to run, when Debian's Chromium is not installed. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH) || !existsSync(SWIFTSHADER_ICD)) {
    throw new Error(
      `Debian's Chromium is missing (${CHROMIUM_PATH}, ${SWIFTSHADER_ICD}): run 'bash tools/ensure-chromium.sh' (apt-get install -y chromium). ` +
        'The browser tests never download a browser of their own.',
    );
  }
}

/**
 * Environment for a Node process that uses the `webgpu` package (Dawn) on SwiftShader: Dawn loads
 * libvulkan.so.1 when it starts, so this must be set before the process starts. A variable already
 * set (a real GPU's Vulkan driver) is kept.
 */
export function dawnSwiftShaderEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const libraryPath = env.LD_LIBRARY_PATH ? `${env.LD_LIBRARY_PATH}:${CHROMIUM_LIB_DIR}` : CHROMIUM_LIB_DIR;
  return { VK_ICD_FILENAMES: env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD, LD_LIBRARY_PATH: libraryPath };
}
