import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import type { AppConfig } from '../src/config/load.js';
import { parseRoutingConfig } from '../src/notify/routing-config.js';
import { checkPromqlSyntax } from '../src/promql/syntax.js';
import { createSelfMetrics } from '../src/server/self-metrics.js';
import { execForm, instructionsOf, parseCopy, parseDockerfile, parseEnv } from '../scripts/container-check.js';
import type { Stage } from '../scripts/container-check.js';

/**
 * The deployment artefacts against each other and against burnwatch itself: the Dockerfile, the Kubernetes
 * manifests (every cross-reference, loaded with the daemon's own config and routing loaders) and the Grafana
 * dashboard (every query parsed, every metric name from the documented metrics contract).
 */

const repo = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string): string => readFileSync(join(repo, path), 'utf8');

const scratch = mkdtempSync(join(tmpdir(), 'burnwatch-deploy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Loads a config file's text with the daemon's loader (no environment overrides). */
function loadConfigText(name: string, text: string): AppConfig {
  const file = join(scratch, name);
  writeFileSync(file, text);
  const result = loadConfig(file, {});
  if (!result.ok) throw new Error(`${name} is invalid:\n${result.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`).join('\n')}`);
  return result.config;
}

// --- Dockerfile -------------------------------------------------------------------------------------------

const stages = parseDockerfile(read('Dockerfile'));
const buildStage = stages[0]!;
const runtimeStage = stages[stages.length - 1]!;
const runs = (stage: Stage): string[] => instructionsOf(stage, 'RUN').map((i) => i.args);
const single = (stage: Stage, keyword: string): string => {
  const found = instructionsOf(stage, keyword);
  expect(found, `${keyword} in stage ${stage.name ?? stage.from}`).toHaveLength(1);
  return found[0]!.args;
};
const runtimeUser = single(runtimeStage, 'USER');
const runtimeVolumes = instructionsOf(runtimeStage, 'VOLUME').flatMap((v) => execForm(v.args) ?? v.args.split(/\s+/));

/** Whether .dockerignore leaves `path` out: patterns anchored at the context root, `*` within a path segment,
 *  `**` across segments, and a matching folder takes its contents along (Docker's rules, without `!`). */
function dockerignored(path: string): boolean {
  const patterns = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  return patterns.some((p) => {
    const segment = (part: string) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
    const body = p.split('**/').map((part) => part.split('**').map(segment).join('.*')).join('(?:.*/)?');
    const re = new RegExp(`^${body}(/.*)?$`);
    return re.test(path);
  });
}

describe('parseDockerfile (used here and by scripts/container-check.ts)', () => {
  it('joins continued lines, drops comments (also inside continuations) and splits stages', () => {
    const parsed = parseDockerfile('# top\nFROM a:1 AS one\nRUN echo 1 \\\n  # inside\n  && echo 2\nFROM b:2\nENV A=1 B="two words"\nCOPY --from=one /x ./y\n');
    expect(parsed.map((s) => [s.from, s.name])).toEqual([['a:1', 'one'], ['b:2', undefined]]);
    expect(parsed[0]!.instructions).toEqual([{ keyword: 'RUN', args: 'echo 1 && echo 2', line: 3 }]);
    expect([...parseEnv(parsed[1]!.instructions[0]!.args)]).toEqual([['A', '1'], ['B', 'two words']]);
    expect(parseCopy(parsed[1]!.instructions[1]!.args)).toEqual({ from: 'one', sources: ['/x'], dest: './y' });
  });
});

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage, both on the same Node 24 slim image (the addon is compiled for the Node that runs it)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:24(?:\.\d+)*(?:-[a-z]+)?-slim(?:@sha256:[0-9a-f]{64})?$/);
    expect(new Set(stages.map((s) => s.from)).size).toBe(1);
  });

  it('compiles better-sqlite3 in the build stage and ends with production dependencies only', () => {
    const steps = runs(buildStage);
    const index = (re: RegExp): number => steps.findIndex((s) => re.test(s));
    expect(steps.find((s) => /apt-get install/.test(s))).toMatch(/\bpython3\b.*\bmake\b.*\bg\+\+/);
    const ci = index(/\bnpm ci\b/);
    const rebuild = index(/\bnpm rebuild better-sqlite3\b/);
    const build = index(/\bnpm run build\b/);
    const prune = index(/\bnpm prune\b.*--omit=dev/);
    expect(ci).toBeGreaterThanOrEqual(0);
    if (prune === -1) {
      expect(steps[ci]).toMatch(/--omit=dev/);
    } else {
      // npm ci without scripts (prepare needs dev dependencies and the sources), the one addon rebuilt, built, pruned.
      expect(steps[ci]).toMatch(/--ignore-scripts/);
      expect(rebuild).toBeGreaterThan(ci);
      expect(build).toBeGreaterThan(rebuild);
      expect(prune).toBeGreaterThan(build);
    }
    expect(runs(runtimeStage).join('\n')).not.toMatch(/apt-get|\bnpm\b|g\+\+/);
  });

  it('copies package.json, the production node_modules, dist and bin from the build stage into the runtime stage', () => {
    const fromBuild = instructionsOf(runtimeStage, 'COPY').map((c) => parseCopy(c.args)).filter((c) => c.from === (buildStage.name ?? '0'));
    const workdir = single(buildStage, 'WORKDIR');
    expect(fromBuild.flatMap((c) => c.sources).map((s) => posix.relative(workdir, s)).sort()).toEqual(['bin', 'dist', 'node_modules', 'package.json']);
  });

  it('copies from the build context only files that exist and that .dockerignore lets through', () => {
    const contextCopies = stages.flatMap((s) => instructionsOf(s, 'COPY')).map((c) => parseCopy(c.args)).filter((c) => c.from === undefined);
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const source of contextCopies.flatMap((c) => c.sources)) {
      expect(existsSync(join(repo, source)), source).toBe(true);
      expect(dockerignored(source), `${source} is excluded by .dockerignore`).toBe(false);
    }
    expect(['node_modules/x/index.js', '.git/HEAD', 'data/burnwatch.db', 'x.db', 'a/b/x.db-wal'].filter((p) => !dockerignored(p))).toEqual([]);
    expect(dockerignored('src/store/db.ts')).toBe(false);
  });

  it('runs as a numeric non-root user, with NODE_ENV=production, the data directory as a VOLUME, port 9099 and `burnwatch run` as ENTRYPOINT', () => {
    expect(runtimeUser).toMatch(/^[1-9]\d*(?::\d+)?$/);
    expect(runtimeVolumes).toEqual(['/var/lib/burnwatch']);
    const env = new Map(instructionsOf(runtimeStage, 'ENV').flatMap((e) => [...parseEnv(e.args)]));
    expect(env.get('NODE_ENV')).toBe('production');
    expect(single(runtimeStage, 'EXPOSE')).toBe('9099');
    expect(execForm(single(runtimeStage, 'ENTRYPOINT'))).toEqual(['node', 'bin/burnwatch.js', 'run']);
  });

  it('has a HEALTHCHECK against /healthz (liveness; readiness would mark it unhealthy whenever Prometheus is down)', () => {
    const check = single(runtimeStage, 'HEALTHCHECK');
    expect(check).toMatch(/\bCMD\b/);
    expect(check).toMatch(/\/healthz/);
    expect(check).not.toMatch(/\/readyz/);
  });

  it('ships a config (BURNWATCH_CONFIG) that the daemon accepts, with the database in the VOLUME and the EXPOSEd port', () => {
    const env = new Map(instructionsOf(runtimeStage, 'ENV').flatMap((e) => [...parseEnv(e.args)]));
    const shipped = instructionsOf(runtimeStage, 'COPY').map((c) => parseCopy(c.args)).find((c) => c.dest === env.get('BURNWATCH_CONFIG'));
    expect(shipped?.sources).toHaveLength(1);
    const config = loadConfigText('image-config.yaml', read(shipped!.sources[0]!));
    expect(dirname(config.databasePath)).toBe(runtimeVolumes[0]);
    expect(String(config.raw.server.port)).toBe(single(runtimeStage, 'EXPOSE'));
  });
});

// --- Kubernetes ---------------------------------------------------------------------------------------------

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface Probe { httpGet?: { path: string; port: string | number } ; periodSeconds?: number; failureThreshold?: number }
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  restartPolicy?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}
interface PodSpec {
  securityContext?: Record<string, unknown>;
  initContainers?: Container[];
  containers: Container[];
  volumes: ({ name: string } & Record<string, unknown>)[];
}

const k8sDir = 'deploy/kubernetes';
const manifestFiles = readdirSync(join(repo, k8sDir)).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
const objects: (K8sObject & { file: string })[] = manifestFiles.flatMap((file) => {
  const docs = parseAllDocuments(read(`${k8sDir}/${file}`));
  return docs.map((doc) => {
    expect(doc.errors, file).toEqual([]);
    return { ...(doc.toJS() as K8sObject), file };
  });
});
const kustomization = parseAllDocuments(read(`${k8sDir}/kustomization.yaml`))[0]!.toJS() as { resources: string[]; images?: { name: string }[] };
const applied = objects.filter((o) => kustomization.resources.includes(o.file));
const one = (kind: string, from = applied): K8sObject => {
  const found = from.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const deployment = one('Deployment') as K8sObject & { spec: { replicas: number; strategy: { type: string }; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };
const pod = deployment.spec.template.spec;
const podLabels = deployment.spec.template.metadata.labels;
const allContainers = [...(pod.initContainers ?? []), ...pod.containers];
const burnwatch = pod.containers.find((c) => c.name === 'burnwatch')!;
const gitSync = allContainers.find((c) => c.image.startsWith('registry.k8s.io/git-sync/git-sync:'))!;
const service = one('Service') as K8sObject & { spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string | number }[] } };
const configMap = one('ConfigMap') as K8sObject & { data: Record<string, string> };
const mountOf = (c: Container, path: string) => c.volumeMounts?.find((m) => m.mountPath === path);
const isSubset = (sub: Record<string, string>, of: Record<string, string>): boolean => Object.entries(sub).every(([k, v]) => of[k] === v);
const argOf = (c: Container, flag: string): string | undefined => c.args?.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);

/** CPU in millicores, memory in bytes. */
function quantity(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$/.exec(text);
  if (!m) throw new Error(`not a quantity: ${text}`);
  const factor: Record<string, number> = { '': 1, m: 0.001, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (factor[m[2] ?? ''] ?? NaN);
}

const containerConfig = (() => {
  const args = burnwatch.args ?? [];
  const path = args[args.indexOf('--config') + 1] ?? '';
  const mount = burnwatch.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
  return { path, mount, key: basename(path) };
})();
const appConfig = loadConfigText('k8s-config.yaml', configMap.data[containerConfig.key] ?? '');

describe('Kubernetes manifests', () => {
  it('parse, and kustomization.yaml lists every manifest (the example Secret excepted)', () => {
    expect(objects.every((o) => typeof o.apiVersion === 'string' && typeof o.kind === 'string' && typeof o.metadata.name === 'string')).toBe(true);
    for (const r of kustomization.resources) expect(manifestFiles, r).toContain(r);
    expect(manifestFiles.filter((f) => !kustomization.resources.includes(f))).toEqual(['secret.example.yaml']);
    expect(kustomization.images?.map((i) => i.name)).toContain(burnwatch.image.split(':')[0]);
  });

  it('run one replica with the Recreate strategy (SQLite has one writer), selecting its own pods', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    expect(isSubset(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
  });

  it('Service selects the pod and targets the burnwatch container port; the ServiceMonitor selects the Service and scrapes /metrics on a port it has', () => {
    expect(isSubset(service.spec.selector, podLabels)).toBe(true);
    const http = service.spec.ports.find((p) => p.name === 'http')!;
    expect(http.port).toBe(9099);
    expect(burnwatch.ports?.some((p) => p.name === http.targetPort || p.containerPort === http.targetPort)).toBe(true);
    const monitor = one('ServiceMonitor') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(isSubset(monitor.spec.selector.matchLabels, service.metadata.labels ?? {})).toBe(true);
    for (const e of monitor.spec.endpoints) {
      expect(service.spec.ports.map((p) => p.name)).toContain(e.port);
      expect(e.path).toBe('/metrics');
    }
  });

  it('mount only volumes that exist, and every volume is used; PVC, ConfigMap and Secret names resolve', () => {
    const volumes = new Map(pod.volumes.map((v) => [v.name, v]));
    const mounted = new Set(allContainers.flatMap((c) => c.volumeMounts ?? []).map((m) => m.name));
    for (const name of mounted) expect(volumes.has(name), name).toBe(true);
    for (const name of volumes.keys()) expect(mounted.has(name), name).toBe(true);
    const names = (kind: string) => applied.filter((o) => o.kind === kind).map((o) => o.metadata.name);
    for (const v of pod.volumes) {
      const claim = (v['persistentVolumeClaim'] as { claimName?: string } | undefined)?.claimName;
      if (claim !== undefined) expect(names('PersistentVolumeClaim')).toContain(claim);
      const cm = (v['configMap'] as { name?: string } | undefined)?.name;
      if (cm !== undefined) expect(names('ConfigMap')).toContain(cm);
    }
    // The Secret is created by the user; the example documents it: every reference names it and one of its keys.
    const secret = one('Secret', objects) as K8sObject & { stringData: Record<string, string> };
    const refs = allContainers.flatMap((c) => c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : []));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(ref.key);
    }
  });

  it('config.yaml and routing.yaml in the ConfigMap are valid for burnwatch, and every secret they read is in the environment', () => {
    expect(containerConfig.mount?.name).toBe(pod.volumes.find((v) => (v['configMap'] as { name?: string } | undefined)?.name === configMap.metadata.name)?.name);
    const routingFile = appConfig.routingFile!;
    expect(dirname(routingFile)).toBe(containerConfig.mount?.mountPath);
    const routingText = configMap.data[basename(routingFile)] ?? '';
    const routing = parseRoutingConfig(routingFile, routingText);
    expect(routing.ok ? routing.warnings : routing.errors).toEqual([]);
    const envRefs = [...routingText.matchAll(/\{\s*env:\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g)].map((m) => m[1]);
    const provided = (burnwatch.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name);
    expect(envRefs.length).toBeGreaterThan(0);
    expect(provided.sort()).toEqual([...new Set(envRefs)].sort());
  });

  it('keep the database on the PVC, listen on the container port and read the SLOs where git-sync publishes them', () => {
    const dataMount = burnwatch.volumeMounts?.find((m) => pod.volumes.find((v) => v.name === m.name)?.['persistentVolumeClaim'] !== undefined);
    expect(dirname(appConfig.databasePath)).toBe(dataMount?.mountPath);
    expect(dataMount?.mountPath).toBe(runtimeVolumes[0]);
    expect(burnwatch.ports?.map((p) => p.containerPort)).toContain(appConfig.raw.server.port);

    // git-sync: --root inside a shared volume, the --link symlink beside it; burnwatch mounts that volume read-only.
    expect(gitSync.image).toMatch(/^registry\.k8s\.io\/git-sync\/git-sync:v4\.\d+\.\d+$/);
    for (const flag of ['repo', 'root', 'link', 'period']) expect(argOf(gitSync, flag), `--${flag}`).toBeDefined();
    const root = argOf(gitSync, 'root')!;
    const gitMount = gitSync.volumeMounts?.find((m) => root === m.mountPath || root.startsWith(`${m.mountPath}/`));
    expect(gitMount).toBeDefined();
    const readerMount = burnwatch.volumeMounts?.find((m) => m.name === gitMount!.name);
    expect(readerMount?.readOnly).toBe(true);
    const link = argOf(gitSync, 'link')!;
    const linkInGitSync = posix.resolve(root, link);
    const linkInBurnwatch = posix.join(readerMount!.mountPath, posix.relative(gitMount!.mountPath, linkInGitSync));
    expect(appConfig.slosPath.startsWith(`${linkInBurnwatch}/`)).toBe(true);
    expect(appConfig.runbookRoot).toBe(linkInBurnwatch);
    // A native sidecar whose startup probe waits for the first sync, so burnwatch starts with SLOs in place.
    expect(pod.initContainers).toContain(gitSync);
    expect(gitSync.restartPolicy).toBe('Always');
    expect(gitSync.startupProbe?.httpGet?.port).toBe(gitSync.ports?.[0]?.name);
    expect(argOf(gitSync, 'http-bind')).toBe(`:${gitSync.ports?.[0]?.containerPort}`);
  });

  it('probe /healthz (startup, liveness) and /readyz (readiness) on the container port, with a generous startup window', () => {
    const portNames = (burnwatch.ports ?? []).flatMap((p) => [p.name, p.containerPort]);
    expect(burnwatch.startupProbe?.httpGet?.path).toBe('/healthz');
    expect(burnwatch.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(burnwatch.readinessProbe?.httpGet?.path).toBe('/readyz');
    for (const probe of [burnwatch.startupProbe, burnwatch.livenessProbe, burnwatch.readinessProbe]) expect(portNames).toContain(probe?.httpGet?.port);
    const startupWindow = (burnwatch.startupProbe?.periodSeconds ?? 10) * (burnwatch.startupProbe?.failureThreshold ?? 3);
    expect(startupWindow).toBeGreaterThanOrEqual(180);
  });

  it('run every container non-root with a read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp and a writable /tmp', () => {
    expect(pod.securityContext?.['runAsNonRoot']).toBe(true);
    for (const c of allContainers) {
      const sc = c.securityContext ?? {};
      expect(sc['runAsNonRoot'], c.name).toBe(true);
      expect(sc['runAsUser'], c.name).toBeGreaterThan(0);
      expect(sc['readOnlyRootFilesystem'], c.name).toBe(true);
      expect(sc['allowPrivilegeEscalation'], c.name).toBe(false);
      expect((sc['capabilities'] as { drop?: string[] } | undefined)?.drop, c.name).toContain('ALL');
      expect(((sc['seccompProfile'] ?? pod.securityContext?.['seccompProfile']) as { type?: string } | undefined)?.type, c.name).toBe('RuntimeDefault');
      expect(mountOf(c, '/tmp'), `${c.name} has no writable /tmp`).toBeDefined();
    }
    // The user the image was built for.
    expect(String(burnwatch.securityContext?.['runAsUser'])).toBe(runtimeUser.split(':')[0]);
  });

  it('set CPU and memory requests and limits on every container, requests not above limits', () => {
    for (const c of allContainers) {
      for (const resource of ['cpu', 'memory']) {
        const request = c.resources?.requests?.[resource];
        const limit = c.resources?.limits?.[resource];
        expect(request, `${c.name} ${resource} request`).toBeDefined();
        expect(limit, `${c.name} ${resource} limit`).toBeDefined();
        expect(quantity(request!)).toBeLessThanOrEqual(quantity(limit!));
      }
    }
    expect(quantity(burnwatch.resources!.requests!['memory']!)).toBeGreaterThanOrEqual(quantity('256Mi'));
  });
});

// --- Grafana dashboard ----------------------------------------------------------------------------------------

/** The metrics contract (README, "Metrics"): every name /metrics serves besides prom-client's process_/nodejs_ ones. */
const DOCUMENTED_METRICS = [
  'burnwatch_build_info', 'burnwatch_cycle_duration_seconds', 'burnwatch_cycles_total', 'burnwatch_missed_slots_total',
  'burnwatch_last_successful_cycle_timestamp_seconds', 'burnwatch_query_errors_total', 'burnwatch_rejected_samples_total',
  'burnwatch_prometheus_up', 'burnwatch_slos_loaded', 'burnwatch_outbox_depth', 'burnwatch_outbox_oldest_age_seconds', 'burnwatch_outbox_dead_letters',
  'burnwatch_notifications_total', 'burnwatch_notification_latency_seconds', 'burnwatch_reloads_total', 'burnwatch_reload_failed',
  'burnwatch_last_reload_success_timestamp_seconds', 'burnwatch_slo_objective_ratio', 'burnwatch_slo_period_seconds',
  'burnwatch_slo_up', 'burnwatch_slo_budget_remaining_ratio', 'burnwatch_slo_budget_exhaustion_seconds', 'burnwatch_slo_burn_rate',
  'burnwatch_slo_burn_rate_threshold', 'burnwatch_slo_alert_state',
  'burnwatch_cluster_shards_held', 'burnwatch_cluster_replicas', 'burnwatch_cluster_lock_losses_total', 'burnwatch_cluster_failovers_total',
];
const HISTOGRAMS = ['burnwatch_cycle_duration_seconds', 'burnwatch_notification_latency_seconds'];

/** The metric a series name belongs to (`x_bucket` of histogram x is x). */
function metricFamily(name: string): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return HISTOGRAMS.includes(base) ? base : name;
}

/** Grafana's variables replaced by literals, so the query is plain PromQL. */
function withoutVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range\b|\$\{__range\}/g, '5m')
    .replace(/\$\{\w+(?::\w+)?\}|\$\w+/g, 'x');
}

/** Metric names of every vector selector; a selector without a name is reported as ''. */
function metricNames(expr: string): string[] {
  const names: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name !== 'VectorSelector') return undefined;
      const id = node.node.getChild('Identifier');
      names.push(id ? expr.slice(id.from, id.to) : '');
      return false;
    },
  });
  return names;
}

/** Problems of one dashboard query: a syntax error, or a metric outside the contract. */
function queryProblems(expr: string): string[] {
  const promql = withoutVariables(expr);
  if (promql.includes('$')) return [`unreplaced variable in ${expr}`];
  const syntax = checkPromqlSyntax(promql);
  if (syntax !== undefined) return [`${syntax.message} at ${syntax.offset} in ${promql}`];
  return metricNames(promql)
    .filter((n) => !DOCUMENTED_METRICS.includes(metricFamily(n)) && !/^(process|nodejs)_[a-z0-9_]+$/.test(n))
    .map((n) => (n === '' ? `a selector without a metric name in ${expr}` : `${n} is not a documented burnwatch metric`));
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
  panels?: Panel[];
  repeat?: string;
}
const dashboard = JSON.parse(read('deploy/grafana/burnwatch-dashboard.json')) as {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string | { query: string }; definition?: string }[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = panels.filter((p) => p.type !== 'row');
const exprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name);
const variableQuery = (name: string): string => {
  const q = variable(name)?.query;
  return typeof q === 'string' ? q : (q?.query ?? '');
};

describe('Grafana dashboard', () => {
  it('is a current dashboard whose panels all use the DS_PROMETHEUS data source variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(variable('DS_PROMETHEUS')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of queryPanels) {
      expect(p.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid ?? p.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
    }
    // The dashboard the daemon links to in notifications is this one.
    expect(appConfig.raw.links.dashboardUrl).toMatch(new RegExp(`/d/${dashboard.uid}$`));
  });

  it('offers slo and service variables from burnwatch_slo_objective_ratio, and repeats the burn-rate panel per slo', () => {
    for (const name of ['slo', 'service']) {
      const query = variableQuery(name);
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
      expect(m?.[2], query).toBe(name);
      expect(metricNames(withoutVariables(m![1]!))).toEqual(['burnwatch_slo_objective_ratio']);
    }
    expect(panels.find((p) => p.repeat === 'slo')?.targets?.map((t) => t.expr).join('\n')).toMatch(/burnwatch_slo_burn_rate\{[\s\S]*burnwatch_slo_burn_rate_threshold\{/);
  });

  it('has valid PromQL in every query, using only documented metric names', () => {
    expect(exprs.length).toBeGreaterThanOrEqual(20);
    expect(exprs.flatMap(queryProblems)).toEqual([]);
  });

  it('shows budget remaining, burn rates with thresholds, alert states, time to exhaustion and engine health', () => {
    const used = new Set(exprs.flatMap((e) => metricNames(withoutVariables(e))).map(metricFamily));
    for (const name of [
      'burnwatch_slo_budget_remaining_ratio', 'burnwatch_slo_burn_rate', 'burnwatch_slo_burn_rate_threshold', 'burnwatch_slo_alert_state',
      'burnwatch_slo_budget_exhaustion_seconds', 'burnwatch_cycle_duration_seconds', 'burnwatch_missed_slots_total', 'burnwatch_query_errors_total',
      'burnwatch_outbox_depth', 'burnwatch_outbox_oldest_age_seconds', 'burnwatch_notifications_total', 'burnwatch_reloads_total',
      'burnwatch_reload_failed', 'burnwatch_prometheus_up',
    ]) expect(used.has(name), name).toBe(true);
    expect(exprs.some((e) => /histogram_quantile\(0\.95,[^]*burnwatch_cycle_duration_seconds_bucket/.test(e))).toBe(true);
    expect(panels.find((p) => p.type === 'state-timeline')?.targets?.[0]?.expr).toMatch(/burnwatch_slo_alert_state/);
  });

  it('uses only metrics the daemon registers (src/server/self-metrics.ts) besides prom-client defaults', async () => {
    const registered = new Set((await createSelfMetrics({ version: 'test', now: () => 0 }).registry.getMetricsAsJSON()).map((m) => m.name));
    const used = new Set(exprs.flatMap((e) => metricNames(withoutVariables(e))).map(metricFamily));
    expect([...used].filter((n) => !registered.has(n))).toEqual([]);
    expect(DOCUMENTED_METRICS.filter((n) => !registered.has(n))).toEqual([]);
  });

  it('rejects what it should: a syntax error, an unknown metric, a nameless selector, a leftover variable', () => {
    expect(queryProblems('sum(rate(burnwatch_cycles_total[$__rate_interval])')).toHaveLength(1);
    expect(queryProblems('rate(burnwatch_cycle_total{job=~"$job"}[5m])')).toEqual(['burnwatch_cycle_total is not a documented burnwatch metric']);
    expect(queryProblems('{__name__=~"burnwatch_.*"}')[0]).toMatch(/without a metric name/);
    expect(queryProblems('burnwatch_slo_up{slo="$"}')[0]).toMatch(/unreplaced variable/);
    expect(queryProblems('histogram_quantile(0.9, sum by (le) (rate(burnwatch_notification_latency_seconds_bucket[5m])))')).toEqual([]);
  });
});
