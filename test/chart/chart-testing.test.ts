// What `ct lint` (helm/chart-testing) checks, reproduced without its network calls:
// - Chart.yaml against chart-testing's etc/chart_schema.yaml (yamale, strict: no unknown keys);
// - yamllint's basic rules on Chart.yaml, values.yaml and ci/*.yaml;
// - maintainers: present, and each name an account name on the repository's host (ct asks the
//   host over HTTP; here the name's syntax and the maintainer's url stand in);
// - the version increment: when the chart differs from the target branch (main), its version
//   must be greater there (ct's check-version-increment);
// - `helm lint` with each ci/*-values.yaml (ct runs it without --strict; we add it), and each of
//   them rendered, which validates it against values.schema.json.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import {
  CHART_DIR,
  HELM_VERSION,
  describeWithHelm,
  helm,
  lintFiles,
  NAMESPACE,
  parseManifests,
} from './helm.js';

const ROOT = resolve(CHART_DIR, '../..');
const CI_DIR = join(CHART_DIR, 'ci');
const ciFiles = readdirSync(CI_DIR)
  .filter((f) => f.endsWith('-values.yaml'))
  .sort();
const chartYamlText = readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8');

type Check = (value: unknown, path: string) => string[];
const str: Check = (v, p) => (typeof v === 'string' ? [] : [`${p}: not a string`]);
const bool: Check = (v, p) => (typeof v === 'boolean' ? [] : [`${p}: not a bool`]);
const strOrNum: Check = (v, p) =>
  typeof v === 'string' || typeof v === 'number' ? [] : [`${p}: not a string or number`];
const listOf =
  (item: Check): Check =>
  (v, p) =>
    Array.isArray(v) ? v.flatMap((x, i) => item(x, `${p}[${i}]`)) : [`${p}: not a list`];
const strMap: Check = (v, p) =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.entries(v).flatMap(([k, x]) => str(x, `${p}.${k}`))
    : [`${p}: not a map`];
/** A yamale include: required keys must be there, and (strict mode) no other key may. */
const record =
  (fields: Record<string, { check: Check; required: boolean }>): Check =>
  (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return [`${p}: not a map`];
    const obj = v as Record<string, unknown>;
    const errors = Object.keys(obj)
      .filter((k) => !(k in fields))
      .map((k) => `${p}.${k}: not in chart-testing's chart_schema.yaml`);
    for (const [key, { check, required }] of Object.entries(fields)) {
      if (!(key in obj)) {
        if (required) errors.push(`${p}.${key}: required`);
      } else errors.push(...check(obj[key], `${p}.${key}`));
    }
    return errors;
  };
const req = (check: Check) => ({ check, required: true });
const opt = (check: Check) => ({ check, required: false });

/** chart-testing etc/chart_schema.yaml (main, 2026), field by field. */
const CHART_SCHEMA = record({
  name: req(str),
  home: opt(str),
  version: req(str),
  apiVersion: req(str),
  appVersion: opt(strOrNum),
  description: opt(str),
  keywords: opt(listOf(str)),
  sources: opt(listOf(str)),
  maintainers: opt(listOf(record({ name: req(str), email: opt(str), url: opt(str) }))),
  dependencies: opt(listOf(record({ name: req(str), version: req(str), repository: opt(str) }))),
  icon: opt(str),
  engine: opt(str),
  condition: opt(str),
  tags: opt(str),
  deprecated: opt(bool),
  kubeVersion: opt(str),
  annotations: opt(strMap),
  type: opt(str),
});

/** yamllint's default rules that matter for these files. */
function yamllintErrors(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const name = relative(ROOT, file);
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (/[ \t]$/.test(line)) errors.push(`${name}:${i + 1}: trailing spaces`);
    if (line.includes('\t')) errors.push(`${name}:${i + 1}: tab character`);
  });
  if (!text.endsWith('\n') || text.endsWith('\n\n'))
    errors.push(`${name}: must end with exactly one newline`);
  // The yaml parser reports duplicate keys as errors (yamllint's key-duplicates).
  const doc = parseDocument(text);
  errors.push(...doc.errors.map((e) => `${name}: ${e.message}`));
  return errors;
}

/** A GitHub (and GitLab) account name: letters, digits and single inner hyphens, at most 39. */
const ACCOUNT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Semantic-version order (major, minor, patch; a pre-release sorts before its release). */
function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  if (!pa || !pb) throw new Error(`not a semantic version: ${pa ? b : a}`);
  for (const i of [1, 2, 3]) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  if (pa[4] === pb[4]) return 0;
  if (pa[4] === undefined) return 1;
  if (pb[4] === undefined) return -1;
  return pa[4] < pb[4] ? -1 : 1;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

describe("chart-testing's checks of Chart.yaml", () => {
  const chart = parse(chartYamlText) as Record<string, unknown> & {
    version: string;
    maintainers?: { name: string; url?: string }[];
    home: string;
  };

  it("matches chart-testing's chart schema, without unknown keys", () => {
    expect(CHART_SCHEMA(chart, 'Chart.yaml')).toEqual([]);
  });

  it('the schema check notices a wrong type and an unknown key', () => {
    const broken = { ...chart, annotations: { count: 3 }, maintainer: [] };
    expect(CHART_SCHEMA(broken, 'Chart.yaml')).toEqual([
      "Chart.yaml.maintainer: not in chart-testing's chart_schema.yaml",
      'Chart.yaml.annotations.count: not a string',
    ]);
  });

  it('passes yamllint basics: Chart.yaml, values.yaml and every ci values file', () => {
    const files = ['Chart.yaml', 'values.yaml', ...ciFiles.map((f) => join('ci', f))];
    expect(files.flatMap((f) => yamllintErrors(join(CHART_DIR, f)))).toEqual([]);
  });

  it('has maintainers whose names are accounts on the repository host', () => {
    expect(chart.maintainers?.length).toBeGreaterThan(0);
    const host = new URL(chart.home).origin;
    expect(host).toBe('https://github.com');
    for (const m of chart.maintainers ?? []) {
      expect(m.name).toMatch(ACCOUNT_NAME);
      expect(m.url).toBe(`${host}/${m.name}`);
    }
    for (const bad of ['-lead', 'a--b', 'two words', 'x'.repeat(40)]) expect(bad).not.toMatch(ACCOUNT_NAME);
  });

  it('orders versions as semantic versions', () => {
    expect(compareVersions('0.2.0', '0.1.9')).toBe(1);
    expect(compareVersions('0.10.0', '0.9.0')).toBe(1);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(() => compareVersions('1.0', '1.0.0')).toThrow('not a semantic version: 1.0');
  });

  const target = process.env.CT_TARGET_BRANCH ?? 'main';
  const base = git(['merge-base', 'HEAD', target]);
  it.skipIf(base === undefined)(
    `raises the chart version when the chart differs from ${target}${base === undefined ? ` [skipped: no git history with a ${target} branch here]` : ''}`,
    () => {
      const chartPath = relative(ROOT, CHART_DIR);
      const changed = git(['diff', '--name-only', base!, '--', chartPath]) ?? '';
      if (changed === '') return; // ct checks changed charts only
      const before = git(['show', `${base}:${chartPath}/Chart.yaml`]);
      if (before === undefined) return; // a new chart
      const oldVersion = (parse(before) as { version: string }).version;
      expect(
        compareVersions(chart.version, oldVersion),
        `charts/rollouts-traffic-webhook changed since ${target} (${changed.split('\n').join(', ')}) but its version ${chart.version} is not above ${oldVersion} there: raise version in Chart.yaml`,
      ).toBe(1);
    },
  );
});

describeWithHelm(`ci/*-values.yaml with helm ${HELM_VERSION}`, () => {
  it('cover every certificate mode with monitoring on and off', () => {
    const covered = ciFiles.map((f) => {
      const values = parse(readFileSync(join(CI_DIR, f), 'utf8')) as {
        certificates: { mode: string };
        metrics: { serviceMonitor: { enabled: boolean }; prometheusRule: { enabled: boolean } };
      };
      const monitoring = values.metrics.serviceMonitor.enabled && values.metrics.prometheusRule.enabled;
      return `${values.certificates.mode}/${monitoring ? 'monitoring' : 'no monitoring'}`;
    });
    expect(covered.sort()).toEqual([
      'certManager/monitoring',
      'certManager/no monitoring',
      'generate/monitoring',
      'generate/no monitoring',
      'secret/monitoring',
      'secret/no monitoring',
    ]);
  });

  describe.concurrent.each(ciFiles)('%s', (file) => {
    it('passes helm lint --strict', async () => {
      const result = await lintFiles([join(CI_DIR, file)]);
      expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
      expect(result.code).toBe(0);
    });

    it('renders, validated against values.schema.json, with monitoring as the file says', async () => {
      const values = parse(readFileSync(join(CI_DIR, file), 'utf8')) as {
        metrics: { serviceMonitor: { enabled: boolean } };
      };
      const result = await helm([
        'template',
        'ct',
        CHART_DIR,
        '--namespace',
        NAMESPACE,
        '-f',
        join(CI_DIR, file),
      ]);
      expect(result.stderr).toBe('');
      const kinds = parseManifests(result.stdout).map((o) => o.kind);
      expect(kinds).toContain('Deployment');
      expect(kinds.includes('ServiceMonitor')).toBe(values.metrics.serviceMonitor.enabled);
      expect(kinds.includes('PrometheusRule')).toBe(values.metrics.serviceMonitor.enabled);
    });
  });

  it('a values file that breaks the schema fails the same render', async () => {
    const result = await helm([
      'template',
      'ct',
      CHART_DIR,
      '-f',
      join(CI_DIR, ciFiles[0]!),
      '--set',
      'metrics.serviceMonitor.enabled=sometimes',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/schema/i);
    expect(result.stderr).toMatch(/enabled/);
  });
});
