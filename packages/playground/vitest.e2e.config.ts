import { defineConfig } from 'vitest/config';

const conditions = ['@salience/source', 'module', 'node', 'import', 'default'];

// The end-to-end test: the built page (dist/) in Debian's Chromium, driven by playwright-core.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@salience/source'] } },
  test: {
    name: '@salience/playground e2e',
    include: ['test/**/*.e2e.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/vitest.json' },
  },
});
