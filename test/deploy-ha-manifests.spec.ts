import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { parseRoutingConfig } from '../src/notify/routing-config.js';

/**
 * The replicated Kubernetes deployment (deploy/kubernetes/ha, issue 16) read as data: what it promises in its
 * README (three replicas, nothing kept in the pod, the database URL and password from a Secret, disruptions one
 * replica at a time, replicas apart from each other) is checked on the parsed manifests, and its config.yaml and
 * routing.yaml are loaded with burnwatch's own loaders. No kubectl: the structure only.
 */

const repo = fileURLToPath(new URL('..', import.meta.url));
const dir = 'deploy/kubernetes/ha';
const read = (path: string): string => readFileSync(join(repo, path), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'burnwatch-deploy-ha-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Labels = Record<string, string>;
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
  file: string;
  [key: string]: unknown;
}
interface Probe { httpGet?: { path: string; port: string | number } }
interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: { readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean };
}
interface LabelSelector { matchLabels: Labels }
interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
  affinity?: { podAntiAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; podAffinityTerm: { topologyKey: string; labelSelector: LabelSelector } }[] } };
  topologySpreadConstraints?: { topologyKey: string; maxSkew: number; labelSelector: LabelSelector }[];
}
interface Deployment extends K8sObject {
  spec: { replicas: number; strategy: { type: string; rollingUpdate?: { maxUnavailable?: number } }; selector: LabelSelector; template: { metadata: { labels: Labels }; spec: PodSpec } };
}

function parseObjects(folder: string, file: string): K8sObject[] {
  return parseAllDocuments(read(`${folder}/${file}`)).map((doc) => {
    expect(doc.errors, `${folder}/${file}`).toEqual([]);
    return { ...(doc.toJS() as Omit<K8sObject, 'file'>), file } as K8sObject;
  });
}

const files = readdirSync(join(repo, dir)).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
const objects = files.flatMap((f) => parseObjects(dir, f));
const kustomization = parseAllDocuments(read(`${dir}/kustomization.yaml`))[0]!.toJS() as { resources: string[]; images?: { name: string; newName?: string; newTag?: string }[] };
const applied = objects.filter((o) => kustomization.resources.includes(o.file));
const only = <T extends K8sObject>(kind: string, from: readonly K8sObject[] = applied): T => {
  const found = from.filter((o) => o.kind === kind);
  expect(found.map((o) => o.metadata.name), kind).toHaveLength(1);
  return found[0] as T;
};

const deployment = only<Deployment>('Deployment');
const pod = deployment.spec.template.spec;
const podLabels = deployment.spec.template.metadata.labels;
const burnwatch = pod.containers.find((c) => c.name === 'burnwatch')!;
const envOf = (name: string): EnvVar | undefined => burnwatch.env?.find((e) => e.name === name);
const selects = (selector: Labels, labels: Labels): boolean => Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const secrets = objects.filter((o) => o.kind === 'Secret') as (K8sObject & { stringData: Record<string, string> })[];
const secretValue = (ref: { name: string; key: string }): string | undefined => secrets.find((s) => s.metadata.name === ref.name)?.stringData[ref.key];
const configMap = only<K8sObject & { data: Record<string, string> }>('ConfigMap');

/** The single-pod deployment, whose image and conventions this one shares. */
const singleDeployment = parseObjects('deploy/kubernetes', 'deployment.yaml').find((o) => o.kind === 'Deployment') as Deployment;
const singleKustomization = parseAllDocuments(read('deploy/kubernetes/kustomization.yaml'))[0]!.toJS() as typeof kustomization;

describe('the replicated Kubernetes deployment (deploy/kubernetes/ha)', () => {
  it('parses, and kustomization.yaml applies every manifest but the examples, with the image of the single-pod deployment', () => {
    expect(files.filter((f) => !kustomization.resources.includes(f)).sort()).toEqual(['cloudnative-pg.example.yaml', 'secret.example.yaml']);
    for (const r of kustomization.resources) expect(files, r).toContain(r);
    expect(burnwatch.image).toBe(singleDeployment.spec.template.spec.containers.find((c) => c.name === 'burnwatch')?.image);
    expect(kustomization.images).toEqual(singleKustomization.images);
  });

  it('runs three replicas, rolled one at a time with the new pod first, selecting its own pods', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy.type).toBe('RollingUpdate');
    expect(deployment.spec.strategy.rollingUpdate?.maxUnavailable).toBe(0);
    expect(selects(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
  });

  it('keeps nothing in the pod: no persistent volume, only the ConfigMap and scratch emptyDirs, read-only root filesystems', () => {
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    const kinds = (pod.volumes ?? []).map((v) => Object.keys(v).filter((k) => k !== 'name').join(','));
    expect([...new Set(kinds)].sort()).toEqual(['configMap', 'emptyDir']);
    // Nothing mounted where the image keeps SQLite's file (its VOLUME).
    expect(burnwatch.volumeMounts?.map((m) => m.mountPath)).not.toContain('/var/lib/burnwatch');
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(c.securityContext?.readOnlyRootFilesystem, c.name).toBe(true);
      expect(c.securityContext?.runAsNonRoot, c.name).toBe(true);
    }
  });

  it('names each replica after its pod and reads the database URL and password from a Secret, never from the manifests', () => {
    expect(envOf('BURNWATCH_REPLICA_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    const url = envOf('BURNWATCH_DATABASE_URL')?.valueFrom?.secretKeyRef;
    const password = envOf('BURNWATCH_DB_PASSWORD')?.valueFrom?.secretKeyRef;
    expect(url).toBeDefined();
    expect(password).toBeDefined();
    // Every secret reference names a Secret and key of the example; no value is written into the Deployment.
    for (const e of burnwatch.env ?? []) {
      if (e.valueFrom?.secretKeyRef) expect(secretValue(e.valueFrom.secretKeyRef), `${e.name}: ${JSON.stringify(e.valueFrom.secretKeyRef)}`).toBeDefined();
      expect(e.value ?? '', e.name).not.toMatch(/postgres(ql)?:\/\//);
    }
    expect(new URL(secretValue(url!)!).password).toBe('');
    expect(configMap.data['config.yaml']).not.toMatch(/postgres(ql)?:\/\//);
  });

  it('has a config.yaml that burnwatch loads with the Secret\'s URL: PostgreSQL, the password as a secret reference, the cluster settings', () => {
    const file = join(scratch, 'config.yaml');
    writeFileSync(file, configMap.data['config.yaml'] ?? '');
    const url = secretValue(envOf('BURNWATCH_DATABASE_URL')!.valueFrom!.secretKeyRef!)!;
    const loaded = loadConfig(file, { BURNWATCH_DATABASE_URL: url, BURNWATCH_REPLICA_ID: 'burnwatch-7d9f8-abcde' });
    expect(loaded.ok ? [] : loaded.errors.map((e) => `${e.line}:${e.path}: ${e.message}`)).toEqual([]);
    if (!loaded.ok) return;
    expect(loaded.config.database).toEqual({ url, password: { env: 'BURNWATCH_DB_PASSWORD' } });
    const cluster = (loaded.config.raw as { cluster?: { leaseInterval?: string; failoverTimeout?: string } }).cluster;
    expect(cluster).toMatchObject({ leaseInterval: '5s', failoverTimeout: '30s' });
    // The routing file is where the config says, valid, and every secret it reads is in the environment.
    expect(loaded.config.routingFile).toBe(`${burnwatch.volumeMounts?.find((m) => m.name === 'config')?.mountPath}/routing.yaml`);
    const routingText = configMap.data[basename(loaded.config.routingFile!)] ?? '';
    const routing = parseRoutingConfig(loaded.config.routingFile!, routingText);
    expect(routing.ok ? routing.warnings : routing.errors).toEqual([]);
    const wanted = [...routingText.matchAll(/\{\s*env:\s*([A-Za-z_]\w*)\s*\}/g)].map((m) => m[1]);
    for (const name of wanted) expect(envOf(name!)?.valueFrom?.secretKeyRef, name).toBeDefined();
  });

  it('keeps two replicas through voluntary disruptions (PodDisruptionBudget on the pods\' labels)', () => {
    const pdb = only<K8sObject & { spec: { minAvailable: number; selector: LabelSelector } }>('PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.minAvailable).toBe(2);
    expect(selects(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
  });

  it('prefers one replica per node and spreads them over zones', () => {
    const terms = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(terms.some((t) => t.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' && selects(t.podAffinityTerm.labelSelector.matchLabels, podLabels))).toBe(true);
    const spread = pod.topologySpreadConstraints ?? [];
    expect(spread.length).toBeGreaterThan(0);
    for (const s of spread) expect(selects(s.labelSelector.matchLabels, podLabels), s.topologyKey).toBe(true);
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness) on the container port; the Service and the ServiceMonitor select the pods', () => {
    expect([burnwatch.startupProbe, burnwatch.livenessProbe, burnwatch.readinessProbe].map((p) => p?.httpGet?.path)).toEqual(['/healthz', '/healthz', '/readyz']);
    const ports = (burnwatch.ports ?? []).flatMap((p) => [p.name, p.containerPort]);
    for (const p of [burnwatch.startupProbe, burnwatch.livenessProbe, burnwatch.readinessProbe]) expect(ports).toContain(p?.httpGet?.port);
    const service = only<K8sObject & { spec: { selector: Labels; ports: { name: string; targetPort: string | number }[] } }>('Service');
    expect(selects(service.spec.selector, podLabels)).toBe(true);
    for (const p of service.spec.ports) expect(ports).toContain(p.targetPort);
    const monitor = only<K8sObject & { spec: { selector: LabelSelector } }>('ServiceMonitor');
    expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels ?? {})).toBe(true);
  });

  it('documents CloudNativePG with a Cluster example whose -rw Service is the one the URL names', () => {
    const cnpg = only<K8sObject & { spec: { instances: number; bootstrap: { initdb: { database: string; owner: string } } } }>('Cluster', objects);
    expect(cnpg.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cnpg.spec.instances).toBeGreaterThanOrEqual(2);
    const readme = read(`${dir}/README.md`);
    const { database, owner } = cnpg.spec.bootstrap.initdb;
    expect(readme).toContain(`postgres://${owner}@${cnpg.metadata.name}-rw:5432/${database}`);
    expect(readme).toContain(`${cnpg.metadata.name}-app`);
  });
});
