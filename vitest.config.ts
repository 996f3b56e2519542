import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-core/**/__tests__/**/*.test.ts', 'electron/**/__tests__/**/*.test.ts', 'renderer/**/__tests__/**/*.test.ts', 'scripts/**/__tests__/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
