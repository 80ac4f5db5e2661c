import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Relative asset URLs: the plugin serves the page under Locust's web base path, whatever it is.
// Built into the Python package, so that a wheel carries the page.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: '../locust_ext/master/web/dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
