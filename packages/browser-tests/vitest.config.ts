import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumLaunchOptions, dawnSwiftShaderEnv } from './src/chromium.ts';

const nodeConditions = ['@salience/source', 'module', 'node', 'import', 'default'];
const browserConditions = ['@salience/source', 'module', 'browser', 'import', 'default'];

/**
 * transformers.js brings its own onnxruntime-web (a newer build than ours); its wasm files are served
 * from that package's dist/ by the test server (the page must not fetch them from a CDN).
 */
const transformersDir = realpathSync(fileURLToPath(new URL('./node_modules/@huggingface/transformers', import.meta.url)));
const transformersOrtDist = realpathSync(join(transformersDir, '../../onnxruntime-web/dist'));

// Dawn (the `webgpu` package) reads these when the worker process starts: set them before any pool does.
Object.assign(process.env, dawnSwiftShaderEnv());

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/vitest.json' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        resolve: { conditions: browserConditions },
        // found on first use otherwise, and vite then reloads the page in the middle of a test file
        optimizeDeps: { include: ['@huggingface/transformers'] },
        // The Captum fixtures are fetched from packages/testing/fixtures, beside their loader.
        server: { fs: { strict: true } },
        // for the commands below: modules the test server runs in Node
        ssr: { resolve: { conditions: nodeConditions, externalConditions: ['@salience/source'] } },
        test: {
          name: 'chromium',
          include: ['src/**/*.browser.test.ts'],
          provide: { transformersOrtDist: `/@fs${transformersOrtDist}/` },
          testTimeout: 300_000,
          hookTimeout: 300_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: chromiumLaunchOptions() }),
            instances: [{ browser: 'chromium' }],
            commands: {
              // the page's text maps are compared with these, computed by onnxruntime-node
              textMapsInNode: async ({ project }) => (await project.import<typeof import('./src/text-node-maps.ts')>('./src/text-node-maps.ts')).textMapsInNode(),
            },
          },
        },
      },
      {
        resolve: { conditions: nodeConditions },
        ssr: { resolve: { conditions: nodeConditions, externalConditions: ['@salience/source'] } },
        test: { name: 'node', include: ['src/**/*.node.test.ts'], environment: 'node' },
      },
      {
        // Node drives Chromium through playwright: the README's pictures, made by a real CLI run
        resolve: { conditions: nodeConditions },
        ssr: { resolve: { conditions: nodeConditions, externalConditions: ['@salience/source'] } },
        test: { name: 'e2e', include: ['src/**/*.e2e.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 300_000 },
      },
    ],
  },
});
