import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Sandboxed preloads cannot load ES modules: bundle electron/preload.ts (with the contract it imports) into one
// CommonJS file beside the compiled main process. `electron` stays external (provided by the sandbox).
export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../dist/electron', import.meta.url)),
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: true,
    lib: {
      entry: fileURLToPath(new URL('./preload.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rollupOptions: { external: ['electron'] },
  },
});
