// Runs the pinned helm binary (built by scripts/helm.sh) against the chart and parses what it
// renders. Tests never build helm themselves: a cold build takes minutes.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';

const run = promisify(execFile);

export const HELM_VERSION = process.env.HELM_VERSION ?? 'v4.3.1';
export const CHART_DIR = resolve(import.meta.dirname, '../../charts/rollouts-traffic-webhook');
export const RELEASE = 'rtw';
export const NAMESPACE = 'rtw-system';
/** The chart's full name for RELEASE: release name + chart name. */
export const FULLNAME = 'rtw-rollouts-traffic-webhook';

/**
 * The chart refuses its placeholder image repository (no registry serves it), so every render in
 * the tests names a repository, as every real install must. Tests of the refusal set it back.
 */
export const TEST_IMAGE_REPOSITORY = 'registry.example.com/platform/rollouts-traffic-webhook';
const BASE_VALUES = { image: { repository: TEST_IMAGE_REPOSITORY } };

/** Field values of rendered objects: tests assert on them one by one, so they stay untyped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Field = any;

/** A rendered Kubernetes object. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: Field };
  [k: string]: Field;
}

export type HelmAvailability = { path: string } | { missing: string };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && isExecutable(join(dir, command)));
}

/**
 * Where the helm binary is. `missing` when helm cannot be had on this machine (no binary and
 * no Go to build one), or, outside CI, when it is not built yet: `npm ci && npm test` must pass
 * on a fresh machine without a ten-minute Go build, so the suite is skipped with the command
 * to run in its title. In CI (`CI=true`, where `.ci/run` builds helm first) a missing binary
 * is a set-up error and the suite fails instead of skipping.
 */
export function findHelm(): HelmAvailability {
  const explicit = process.env.HELM_BIN;
  if (explicit)
    return isExecutable(explicit)
      ? { path: explicit }
      : { missing: `HELM_BIN=${explicit} is not executable` };
  const cacheRoot = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const cached = join(cacheRoot, 'webhook-e2e', 'bin', `helm-${HELM_VERSION}`);
  if (isExecutable(cached)) return { path: cached };
  if (!onPath('go'))
    return { missing: `no helm binary at ${cached} and no Go toolchain to build one with scripts/helm.sh` };
  if (process.env.CI !== 'true')
    return { missing: `helm is not built yet: run \`bash scripts/helm.sh --ensure\` once` };
  return { path: cached };
}

/**
 * `describe` for suites that run helm. Skipped, with the reason in its title and on stderr, only
 * when helm cannot be had on this machine at all.
 */
export function describeWithHelm(title: string, body: () => void): void {
  const found = findHelm();
  if ('missing' in found) {
    const reason = `skipped: helm ${HELM_VERSION} cannot be had here (${found.missing})`;
    console.warn(`${title}: ${reason}`);
    describe.skip(`${title} [${reason}]`, body);
  } else {
    describe(title, body);
  }
}

/** Values files, kubeconfigs and helm's home for one test file; removed when the file is done. */
export const scratch = mkdtempSync(join(tmpdir(), 'rtw-chart-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let fileCounter = 0;

/** helm must not read or write the user's helm config, cache or kubeconfig. */
function helmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: scratch,
    HELM_CACHE_HOME: join(scratch, 'cache'),
    HELM_CONFIG_HOME: join(scratch, 'config'),
    HELM_DATA_HOME: join(scratch, 'data'),
    KUBECONFIG: join(scratch, 'no-kubeconfig'),
    ...extra,
  };
}

export function writeValuesFile(values: object): string {
  const file = join(scratch, `values-${++fileCounter}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

export interface HelmResult {
  stdout: string;
  stderr: string;
  code: number;
}

export async function helm(args: string[], env: Record<string, string> = {}): Promise<HelmResult> {
  const found = findHelm();
  if ('missing' in found) throw new Error(found.missing);
  if (!isExecutable(found.path)) {
    throw new Error(
      `helm ${HELM_VERSION} is not built yet: run \`scripts/helm.sh --ensure\` once (it builds into ${found.path})`,
    );
  }
  try {
    const { stdout, stderr } = await run(found.path, args, {
      env: helmEnv(env),
      maxBuffer: 32 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error), code: failed.code ?? 1 };
  }
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((obj): obj is K8sObject => obj !== null);
}

export interface RenderOptions {
  /** Extra helm flags, e.g. ['--kubeconfig', file, '--dry-run=server']. */
  flags?: string[];
  namespace?: string;
  release?: string;
}

/** `helm template`; throws with helm's message when rendering fails. */
export async function render(values: object = {}, options: RenderOptions = {}): Promise<Rendered> {
  const result = await templateRaw(values, options);
  if (result.code !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return new Rendered(parseManifests(result.stdout));
}

export async function templateRaw(values: object = {}, options: RenderOptions = {}): Promise<HelmResult> {
  const args = [
    'template',
    options.release ?? RELEASE,
    CHART_DIR,
    '--namespace',
    options.namespace ?? NAMESPACE,
    ...valuesFlags(values),
  ];
  return helm([...args, ...(options.flags ?? [])]);
}

let baseValues: string | undefined;
function baseValuesFile(): string {
  baseValues ??= writeValuesFile(BASE_VALUES);
  return baseValues;
}

/** `-f` flags for the test image repository and then `values`. */
export function valuesFlags(values: object): string[] {
  return ['-f', baseValuesFile(), '-f', writeValuesFile(values)];
}

/** `helm lint --strict` with the test image repository and `values` on top. */
export async function lint(values: object = {}): Promise<HelmResult> {
  return lintFiles([baseValuesFile(), writeValuesFile(values)]);
}

/** `helm lint --strict` with exactly these values files (chart-testing's ci/*-values.yaml). */
export async function lintFiles(files: string[]): Promise<HelmResult> {
  return helm(['lint', CHART_DIR, '--strict', '--namespace', NAMESPACE, ...files.flatMap((f) => ['-f', f])]);
}

/** The objects of one render, with lookups that fail loudly when an object is missing. */
export class Rendered {
  constructor(readonly objects: K8sObject[]) {}

  all(kind: string): K8sObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  maybe(kind: string, name?: string): K8sObject | undefined {
    return this.objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  }

  one(kind: string, name?: string): K8sObject {
    const matches = this.objects.filter(
      (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
    );
    if (matches.length !== 1) {
      throw new Error(`expected exactly one ${kind}${name ? ` named ${name}` : ''}, found ${matches.length}`);
    }
    return matches[0]!;
  }

  kinds(): string[] {
    return this.objects.map((o) => o.kind).sort();
  }

  /** Every webhook entry of both configurations. */
  webhooks(): Field[] {
    return [
      ...this.all('MutatingWebhookConfiguration'),
      ...this.all('ValidatingWebhookConfiguration'),
    ].flatMap((config) => config.webhooks);
  }

  /**
   * The webhook's Deployment: the one whose pods answer admission reviews. With audit.separate
   * (the default) the audit's Deployment, <fullname>-audit, renders beside it.
   */
  deployment(): K8sObject {
    const webhooks = this.all('Deployment').filter(
      (d) => d.spec.template.metadata.labels['app.kubernetes.io/component'] === 'webhook',
    );
    if (webhooks.length !== 1) throw new Error(`expected one webhook Deployment, found ${webhooks.length}`);
    return webhooks[0]!;
  }

  /** The container of the webhook's Deployment. */
  container(): Field {
    return this.deployment().spec.template.spec.containers[0];
  }
}

/**
 * The install notes (NOTES.txt), which only `helm install` renders: a server-side dry run against
 * `kubeconfig` (a HelmLookupApiServer's, so nothing is stored).
 */
export async function installNotes(kubeconfig: string, values: object = {}): Promise<string> {
  const result = await helm([
    'install',
    RELEASE,
    CHART_DIR,
    '--namespace',
    NAMESPACE,
    '--dry-run=server',
    '--disable-openapi-validation',
    '--kubeconfig',
    kubeconfig,
    ...valuesFlags(values),
  ]);
  if (result.code !== 0) throw new Error(`helm install --dry-run failed:\n${result.stderr}`);
  return result.stdout.slice(result.stdout.indexOf('NOTES:'));
}
