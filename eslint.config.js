// Type-aware lint. lib/core must stay pure: no I/O library may be imported there.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'kafkajs',
  'fastify',
  'undici',
  'ioredis',
  'pino',
  'prom-client',
  'better-sqlite3',
  'node:net',
  'node:fs',
  'node:fs/promises',
  'node:http',
  'node:https',
  'node:child_process',
  'node:dgram',
  'node:dns',
  'node:tls',
  'net',
  'fs',
  'fs/promises',
  'http',
  'https',
  'child_process',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'charts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
      'no-console': 'error',
    },
  },
  {
    files: ['lib/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ioModules.map((name) => ({ name, message: 'lib/core is pure: do I/O in lib/adapters.' })) },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'lib/core is pure: read configuration in main.ts.' },
        { name: 'fetch', message: 'lib/core is pure.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'cli/**/*.ts', 'bin/*.js', '*.js', '*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
