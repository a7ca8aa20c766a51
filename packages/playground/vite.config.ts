import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const conditions = ['@salience/source', 'module', 'browser', 'import', 'default'];

export default defineConfig({
  // Relative asset URLs: the built page works from any folder, or from a file server without a base path.
  base: './',
  // The built-in model (Fashion-MNIST CNN, tfjs model.json + weights, sample PNGs) is the CLI's:
  // served as static files in development and copied into dist/ by the build.
  publicDir: fileURLToPath(new URL('../cli/builtin', import.meta.url)),
  resolve: { conditions },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  worker: { format: 'es' },
});
