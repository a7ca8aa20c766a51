import { defineConfig } from 'vitest/config';

/** Every package tests its sources: '@salience/source' resolves workspace imports to `src/`. */
export function packageTestConfig(name: string) {
  const conditions = ['@salience/source', 'module', 'node', 'import', 'default'];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@salience/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      reporters: ['default', 'json'],
      outputFile: { json: '.reports/vitest.json' },
    },
  });
}
