// Layer rules (HOUSE_STYLE.md §1): each folder may import only what its layer allows; the message names the fix.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'https', 'net', 'url', 'util', 'stream', 'zlib', 'events', 'module'];

export default tseslint.config(
  {
    ignores: ['dist/**', 'dist-renderer/**', 'node_modules/**', 'release/**', 'test-results/**', 'playwright-report/**', 'e2e/artifacts/**', 'resources/**', 'coverage/**', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.node.json', './tsconfig.web.json', './tsconfig.eslint.json'],
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // Plain JS launchers and configs import built output the type checker cannot see.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['src-core/**/*.ts'],
    ignores: ['src-core/node/**', 'src-core/**/__tests__/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'Pure src-core must not use Node: put Node-only code under src-core/node/.' },
            { group: ['electron', 'electron/*'], message: 'src-core never imports electron: the shell lives in electron/.' },
            { group: ['svelte', 'svelte/*', '**/renderer/**'], message: 'src-core never imports the UI: renderer/ depends on src-core, not the reverse.' },
            { group: ['**/node/**', 'better-sqlite3', '@tensorflow/tfjs-node*'], message: 'Pure src-core must not import src-core/node (Node-only) code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-core/node/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', 'electron/*'], message: 'src-core never imports electron: the shell lives in electron/.' }, { group: ['**/renderer/**', 'svelte', 'svelte/*'], message: 'src-core never imports the UI.' }] }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    // The Vite config runs in Node at build time (checked by tsconfig.node.json), not in the renderer.
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'The renderer runs in a sandbox: no Node APIs. Ask the main process through window.api (src-core/ipc/contract.ts).' },
            { group: ['electron', 'electron/*'], message: 'The renderer never imports electron: use the typed window.api from the preload.' },
            { group: ['**/src-core/node/**', 'better-sqlite3', '@tensorflow/tfjs-node*'], message: 'The renderer may import pure src-core only; Node-only code is reached through window.api.' },
          ],
        },
      ],
    },
  },
);
