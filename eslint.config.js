// ESLint flat config: type-aware typescript-eslint, Prettier owns formatting.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-results/**',
      'playwright-report/**',
      'release/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    // Imports and exports in one order everywhere (packages, then relative), fixed by `npm run format`.
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: { 'simple-import-sort/imports': 'error', 'simple-import-sort/exports': 'error' },
  },
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    // The broker core is plain Node: it must run headless, so it never imports Electron.
    files: ['main/broker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/broker is plain Node and must never import electron.' }],
        },
      ],
    },
  },
  // Layers of the broker core, bottom up: base/ (no imports from other broker folders), runtime/
  // (base only), net/ (base, runtime and the audit sink type). Flat config replaces a rule's options
  // per file, so each layer repeats the electron ban. `npm run lint:cycles` checks there are no cycles.
  ...[
    { dir: 'base', allowed: [], layer: 'base/ is the bottom layer: it imports no other broker folder.' },
    { dir: 'runtime', allowed: ['base/'], layer: 'runtime/ builds on base/ only.' },
    {
      dir: 'net',
      allowed: ['base/', 'runtime/', 'audit/audit-event\\.js$'],
      layer: 'net/ builds on base/, runtime/ and the audit sink type only.',
    },
  ].map(({ dir, allowed, layer }) => ({
    files: [`main/broker/${dir}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/broker is plain Node and must never import electron.' }],
          patterns: [
            {
              regex: allowed.length === 0 ? '^\\.\\./' : `^\\.\\./(?!${allowed.join('|')})`,
              message: layer,
            },
          ],
        },
      ],
    },
  })),
  {
    // The contract (zod schemas and the types derived from them) is shared by the broker, the CLI,
    // the preload and the renderer: it imports only zod and itself, so it runs anywhere.
    files: ['main/contract/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod$|\\./[^/]+$)',
              message: 'main/contract/ imports only zod and its own files (no node:*, no main/broker).',
            },
          ],
        },
      ],
    },
  },
  {
    // The preload bridge knows the broker only through the contract.
    files: ['preload/**/*.cts', 'preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '/main/broker/', message: 'preload/ imports the contract from main/contract/.' },
          ],
        },
      ],
    },
  },
  {
    // The Electron shell is thin: it starts the broker core and talks to it, never through the CLI.
    files: ['main/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '/broker/cli/', message: 'main/electron uses the broker core, not cli/.' }] },
      ],
    },
  },
  {
    // The window runs in a browser (or a sandboxed Electron renderer): browser globals, no Node.
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The rules of hooks and the React Compiler checks (effects, refs, purity), as errors.
      ...reactHooks.configs.flat.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The window reaches the broker only through window.broker / BrokerApi.',
            },
          ],
          patterns: [
            { group: ['node:*'], message: 'The window runs in a browser sandbox: no Node modules.' },
            {
              regex: '/main/broker/',
              message: 'The window imports the contract from main/contract/, not the broker core.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.test.ts', '**/*.test.tsx'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
