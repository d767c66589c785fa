// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

/**
 * The layers of src/, top to bottom. A folder (or a file at the top of src/) may import from the layers below
 * its own, never from another member of its own layer and never upwards, so a folder cycle or an adapter that
 * reaches up into the daemon fails `npm run lint`. README.md ("## Development") shows the same table.
 */
export const LAYERS = [
  ['cli.ts'], //                               the bin entry: calls main.ts
  ['main.ts'], //                              composition root: the only module that reads the process
  ['wiring.ts'], //                            composition root, second half: the daemon's object graph
  ['cli'], //                                  one module per command: parse, call in, print
  ['runtime'], //                              the daemon: cycle, reload, delivery, storage health, its HTTP view
  ['server'], //                               HTTP: /metrics, /healthz, /readyz, JSON API, status page
  ['engine'], //                               ingest (Prometheus -> ledger) and evaluate
  ['notify', 'config', 'cluster'], //          destinations, outbox, dispatcher | daemon settings | shard leases
  ['store', 'metrics', 'formats', 'rules'], // SQLite | reads Prometheus | SLO files -> model | rules export
  ['report'], //                               PURE: error-budget reports: figures, episodes, ranges, renderers
  ['http'], //                                 what HTTP clients share: Retry-After, time limits
  ['alerting'], //                             PURE: alert state machine, delivery decision (reads slo, routing)
  ['slo', 'routing'], //                       PURE: model and burn-rate math | matchers, routes, silences
  ['promql', 'redact-url.ts', 'logger.ts'], // PURE leaves: PromQL syntax | URLs as they may be shown | the Logger type
];

/** The pure core: no I/O, no process, no clock, no randomness, no timers; data and time come in as arguments. */
export const PURE = ['slo', 'alerting', 'routing', 'promql', 'redact-url.ts', 'logger.ts', 'report'];

/**
 * Imports that cross the layers today, each allowed for exactly one importing file and one imported file until
 * the work named beside it removes it; then delete the entry and lint holds the line again.
 */
/** @type {{ file: string; imports: string }[]} */
const PENDING = [];

const srcPath = (element) => `src/${element}`;
const filesOf = (element) => (element.endsWith('.ts') ? [srcPath(element)] : [`${srcPath(element)}/**/*.ts`]);

/** import-x/no-restricted-paths zones for LAYERS, with the PENDING imports of one file allowed. */
export function layerZones(pending = []) {
  return LAYERS.flatMap((layer, i) => layer.flatMap((element) => {
    const target = srcPath(element);
    const below = LAYERS.slice(i + 1).flat();
    const message = `${target} may import only from the layers below it (${below.join(', ')}): see LAYERS in eslint.config.js.`;
    const forbidden = LAYERS.slice(0, i + 1).flat().filter((other) => other !== element).map(srcPath);
    const allowed = pending.filter((p) => p.file.startsWith(`${target}/`) || p.file === target);
    const zones = [{ target, from: forbidden.filter((f) => !allowed.some((p) => p.imports.startsWith(`${f}/`))), message }];
    for (const p of allowed) {
      const from = forbidden.find((f) => p.imports.startsWith(`${f}/`));
      if (from !== undefined) zones.push({ target, from, except: [`./${p.imports.slice(from.length + 1)}`], message });
    }
    return zones.filter((z) => z.from.length > 0);
  }));
}

const layerRule = (pending) => ['error', { basePath: import.meta.dirname, zones: layerZones(pending) }];

/** Only main.ts reads the process, the clock and randomness; everything else gets them as arguments or deps. */
const ROOT_ONLY = 'Only the composition root (src/main.ts) reads the process, the clock or randomness: take it as an argument or a dep.';
const ROOT_ONLY_SYNTAX = [
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: ROOT_ONLY },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: ROOT_ONLY },
  { selector: "CallExpression[callee.name='Date']", message: ROOT_ONLY },
  { selector: "MemberExpression[object.name='Math'][property.name='random']", message: ROOT_ONLY },
];

const PURE_MESSAGE = 'The pure core does no I/O and reads no clock: take data and time as arguments.';

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
    // Layers for every folder (production code; specs may reach across to build what they test).
    files: ['src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'import-x/no-restricted-paths': layerRule([]) },
  },
  ...[...new Set(PENDING.map((p) => p.file))].map((file) => ({
    files: [file],
    rules: { 'import-x/no-restricted-paths': layerRule(PENDING.filter((p) => p.file === file)) },
  })),
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.fixture.ts', 'src/main.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: ROOT_ONLY }],
      'no-restricted-syntax': ['error', ...ROOT_ONLY_SYNTAX],
    },
  },
  {
    // Pending, like PENDING above: formats/load.ts falls back to process.cwd() when no cwd is passed
    // (issue 12, once each: the format loader's options).
    files: ['src/formats/load.ts'],
    rules: { 'no-restricted-globals': 'off' },
  },
  {
    files: PURE.flatMap(filesOf),
    ignores: ['**/*.spec.ts'],
    rules: {
      // Every Node.js builtin, with or without `node:` (the builtin list of the running Node, not ours).
      'import-x/no-nodejs-modules': 'error',
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^node:', message: PURE_MESSAGE },
          // Packages: only the PromQL parser (pure). Relative imports are held by the layers.
          { regex: '^(?!\\.|node:|@prometheus-io/lezer-promql$|@lezer/(common|lr)$)', message: `${PURE_MESSAGE} Of the packages, only the PromQL parser may be imported here.` },
        ],
      }],
      'no-restricted-globals': ['error', {
        checkGlobalObject: true,
        globals: ['process', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'clearTimeout', 'clearInterval', 'clearImmediate', 'performance', 'crypto', 'require', 'Buffer', 'XMLHttpRequest', 'WebSocket']
          .map((name) => ({ name, message: PURE_MESSAGE })),
      }],
      'no-restricted-syntax': ['error',
        ...ROOT_ONLY_SYNTAX.map((s) => ({ ...s, message: PURE_MESSAGE })),
        { selector: "MemberExpression[object.name='performance'][property.name='now']", message: PURE_MESSAGE },
        { selector: 'ImportExpression', message: `${PURE_MESSAGE} No dynamic import.` },
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
