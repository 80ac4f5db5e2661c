import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Relative asset URLs: the plugin serves the page under Locust's web base path, whatever it is.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
