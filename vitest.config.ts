import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most slow tests wait on real processes (Prometheus, Alertmanager, burnwatch run), not on the CPU:
    // run more files at once than the machine has cores.
    maxWorkers: 4,
  },
});
