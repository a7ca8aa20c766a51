import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumLaunchOptions, dawnSwiftShaderEnv } from './src/chromium.ts';

const nodeConditions = ['@salience/source', 'module', 'node', 'import', 'default'];
const browserConditions = ['@salience/source', 'module', 'browser', 'import', 'default'];

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
        // The Captum fixtures are fetched from packages/testing/fixtures, beside their loader.
        server: { fs: { strict: true } },
        test: {
          name: 'chromium',
          include: ['src/**/*.browser.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: chromiumLaunchOptions() }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        resolve: { conditions: nodeConditions },
        ssr: { resolve: { conditions: nodeConditions, externalConditions: ['@salience/source'] } },
        test: { name: 'node', include: ['src/**/*.node.test.ts'], environment: 'node' },
      },
    ],
  },
});
