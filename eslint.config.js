// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

/** Modules that do I/O or read the clock: the pure core (slo, alerting, routing) must not import them. */
const IO_MODULES = [
  'axios', 'better-sqlite3', 'pino', 'node-cron', '@slack/web-api', '@pagerduty/pdjs', 'prom-client',
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'node:http', 'https', 'node:https',
  'net', 'node:net', 'child_process', 'node:child_process', 'process', 'node:process',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'eslint.config.js', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver': { typescript: { project: './tsconfig.json' }, node: true },
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/slo/**/*.ts', 'src/alerting/**/*.ts', 'src/routing/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: IO_MODULES.map((name) => ({ name, message: 'The pure core (slo, alerting, routing) does no I/O: pass data in.' })),
        patterns: [{ group: ['**/store/**', '**/metrics/**', '**/notify/**', '**/engine/**', '**/server/**', '**/cli/**', '**/config/load*'], message: 'The pure core imports nothing from the I/O shell.' }],
      }],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The pure core takes time as an argument.' },
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'The pure core takes time as an argument.' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'The pure core is deterministic.' },
      ],
    },
  },
  {
    // The status page's browser scripts: plain JavaScript checked by TypeScript through JSDoc (tsconfig.json in
    // their folder, `npm run typecheck`), which also knows the DOM's names; lint them without type information.
    files: ['src/server/ui/static/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-undef': 'off' },
  },
  {
    // Only the composition root and the CLI talk to the terminal and the process.
    files: ['src/cli/**/*.ts', 'src/main.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '**/*.spec.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
