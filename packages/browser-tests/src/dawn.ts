import { existsSync } from 'node:fs';
import { SWIFTSHADER_ICD } from './chromium.js';

/**
 * Gives this Node process a WebGPU `navigator.gpu` from the `webgpu` package (Dawn), as tfjs's
 * webgpu backend expects to find it when it is imported. Returns the adapter's description, or
 * throws saying what is missing (a Vulkan driver: SwiftShader's comes with Debian's chromium).
 */
export async function installDawnNavigator(): Promise<string> {
  if (process.env.VK_ICD_FILENAMES === SWIFTSHADER_ICD && !existsSync(SWIFTSHADER_ICD)) {
    throw new Error(`SwiftShader's Vulkan driver ${SWIFTSHADER_ICD} is missing: run 'bash tools/ensure-chromium.sh'.`);
  }
  const { create, globals } = await import('webgpu');
  const gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      `Dawn found no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}, LD_LIBRARY_PATH=${process.env.LD_LIBRARY_PATH ?? 'unset'}): ` +
        'Dawn needs libvulkan.so.1 and a Vulkan driver, set before Node starts.',
    );
  }
  Object.assign(globalThis, globals);
  // Node 20 has no navigator; Node 21+ has one without gpu.
  const scope = globalThis as { navigator?: object };
  if (scope.navigator === undefined) scope.navigator = {};
  Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true });
  return `${adapter.info.vendor || '?'} ${adapter.info.architecture || '?'} ${adapter.info.description || ''}`.trim();
}
