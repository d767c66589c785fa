// `npm run sample-report`: writes docs/sample-report.md and docs/sample-report.html, the error-budget report of
// November 2026 (Europe/Berlin) for the SLOs of test/fixtures/report/, made by `burnwatch report --prometheus`
// against a real Prometheus that holds the synthetic history of test/support/report-month.ts (backfilled with
// promtool): checkout's incident on November 22nd, a short one on storefront's /cart on November 9th, weekly
// maintenance. Needs prometheus and promtool on the PATH; takes about three minutes.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli } from '../test/support/cli.js';
import { startPrometheus, toOpenMetrics } from '../test/support/prometheus.js';
import { monthSeries, MONTH, TIMEZONE } from '../test/support/report-month.js';

const prom = await startPrometheus({ openMetrics: () => toOpenMetrics(monthSeries()), backfillBlockDuration: '720h' });
try {
  for (const [format, file] of [['markdown', 'sample-report.md'], ['html', 'sample-report.html']] as const) {
    const run = runCli(['report', '--prometheus', prom.url, '--slos', 'test/fixtures/report', '--month', MONTH, '--timezone', TIMEZONE, '--interval', '60s', '--format', format], { timeoutMs: 900_000 });
    if (run.status !== 0) throw new Error(`burnwatch report --format ${format} failed (exit ${String(run.status)}):\n${run.stderr}`);
    // The Prometheus of this run listens on a random local port: the sample names the history instead.
    const text = run.stdout.replaceAll(prom.url, '(synthetic history: test/support/report-month.ts)');
    writeFileSync(join(repoRoot, 'docs', file), text);
    console.log(`docs/${file}: ${text.length} characters`);
  }
} finally {
  await prom.stop();
}
