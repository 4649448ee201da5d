import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import regexp from 'eslint-plugin-regexp';
import { builtinModules } from 'node:module';

// Package surfaces of the routing core: a folder under src/routing with an index.ts is a package,
// and code outside it reaches it through that index only. Tests under test/routing mirror the
// packages and may import a package's files directly (they test the insides).
const deepRoutingImport = {
  regex: '(^|/)routing/[a-z0-9-]+/(?!index\\.js$)[^/]+$',
  message: 'Import a routing package through its index.ts (for example routing/alb/index.js).',
};
const deepSiblingImport = {
  regex: '^(\\.{1,2}/)+[a-z0-9-]+/(?!index\\.js$)[^/]+$',
  message: "Import another routing package through its index.ts (for example '../alb/index.js').",
};
// The routing core is pure: no I/O, no process, no clock. Node's built-in modules stay at the edges.
const nodeBuiltins = {
  group: ['node:*', ...builtinModules.flatMap((name) => [name, `${name}/*`])],
  message: 'src/routing is pure (no I/O): Node built-ins belong in src/cluster, src/webhook or src/commands.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      // Kept builds for `npm run bench:hooks -- --dist` (ignored by git as well).
      '.dist-*/',
      'coverage/',
      'node_modules/',
      'charts/',
      'bench/peer-go/',
      'bench/results/',
      'reports/',
      '.stryker-tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Regular expressions: no super-linear backtracking or moving (a user-supplied string must
  // never cost time quadratic in its length). The plugin's style rules are not enabled.
  {
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
      'regexp/no-misleading-capturing-group': 'error',
    },
  },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    ignores: ['src/routing/**', 'test/routing/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepRoutingImport] }] },
  },
  {
    files: ['src/routing/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepSiblingImport, nodeBuiltins] }] },
  },
);
