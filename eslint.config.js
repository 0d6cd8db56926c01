import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cloud/', 'bench/work/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', fetch: 'readonly', performance: 'readonly', AbortController: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      // Formatters and parsers handle control characters on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // runCli and the runner get the process's streams, environment and exit through io (src/main.ts
    // builds it), so that tests can run them in-process and runs cannot see each other's state.
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', ...['exit', 'exitCode', 'stdin', 'stdout', 'stderr', 'env', 'argv', 'cwd', 'chdir', 'on'].map(
        (property) => ({ object: 'process', property, message: 'src/cli/ reaches the process only through io (see src/main.ts)' }),
      )],
    },
  },
);
