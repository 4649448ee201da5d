/**
 * `check` through the real binary: the findings of issue 14's real-world breakages, the CI
 * plumbing (stdin, skipping, --fail-on, formats, file:line) and the offline class resolution.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-run.js';

const FIXTURES = 'test/fixtures/check';

interface Report {
  summary: Record<string, number>;
  assumedClasses: { name: string; controller: string; source: string }[];
  notChecked: { namespace: string; name: string; reason: string; file: string; line?: number }[];
  skipped: { file: string; document?: number; reason: string }[];
  loadErrors: { file: string; message: string }[];
  objects: {
    kind: string;
    name: string;
    findings: {
      severity: string;
      rule: string;
      field: string;
      message: string;
      file: string;
      line?: number;
    }[];
  }[];
  errors: number;
  warnings: number;
}

function checkJson(args: string[], input?: string): { code: number | null; report: Report } {
  const { code, stdout, stderr } = runCli(['check', '--output', 'json', ...args], input);
  expect(stderr).toBe('');
  return { code, report: JSON.parse(stdout) as Report };
}

const rulesOf = (report: Report) =>
  report.objects.flatMap((o) => o.findings.map((f) => `${o.kind}/${o.name} ${f.severity} ${f.rule}`)).sort();

describe('check resolves the standard IngressClasses offline instead of skipping', () => {
  it('checks an alb Ingress without its IngressClass: string weight, bare 301, misspelt key', () => {
    const { code, report } = checkJson([`${FIXTURES}/alb-no-class`]);
    expect(code).toBe(1);
    expect(rulesOf(report)).toEqual([
      'Ingress/web error alb-annotation-json',
      'Ingress/web error alb-annotation-unknown-key',
      'Ingress/web error alb-status-code',
    ]);
    const unknown = report.objects[0]!.findings.find((f) => f.rule === 'alb-annotation-unknown-key')!;
    expect(unknown.message).toContain('"MesageBody"');
    expect(unknown.message).toContain('Fix: write "messageBody"');
    // file:line of the annotation that holds the mistake.
    expect(unknown).toMatchObject({ file: `${FIXTURES}/alb-no-class/app.yaml`, line: 15 });
    expect(report.assumedClasses).toEqual([
      { name: 'alb', controller: 'ingress.k8s.aws/alb', source: 'standard' },
    ]);
    expect(report.notChecked).toEqual([]);
  });

  it('checks an nginx canary Ingress without its IngressClass: "5%" and a header with a space', () => {
    const { code, report } = checkJson([`${FIXTURES}/nginx-no-class`]);
    expect(code).toBe(1);
    expect(rulesOf(report)).toEqual([
      'Ingress/api-canary error nginx-canary-by-header',
      'Ingress/api-canary error nginx-canary-weight',
    ]);
    expect(report.assumedClasses).toEqual([
      { name: 'nginx', controller: 'k8s.io/ingress-nginx', source: 'standard' },
    ]);
  });

  it('takes --ingress-class NAME=CONTROLLER, and says loudly which Ingresses it could not check', () => {
    const other = runCli(['check', `${FIXTURES}/alb-no-class`, '--ingress-class', 'alb=example.com/other']);
    expect(other.code).toBe(0);
    expect(other.stdout).toContain('NOT CHECKED: 1 Ingress:');
    expect(other.stdout).toContain(
      'Ingress default/web: its class "alb" belongs to controller "example.com/other", not the AWS Load Balancer Controller or ingress-nginx, so the ALB and NGINX annotation checks did not run.',
    );
    expect(other.stdout).toContain(
      'IngressClass "alb" taken as controller example.com/other (--ingress-class).',
    );

    const custom = readFileSync(`${FIXTURES}/alb-no-class/app.yaml`, 'utf8').replace(
      'ingressClassName: alb',
      'ingressClassName: internal',
    );
    const unknown = checkJson(['-'], custom);
    expect(unknown.code).toBe(0);
    expect(unknown.report.notChecked).toEqual([
      expect.objectContaining({
        name: 'web',
        file: '<stdin>',
        reason: expect.stringContaining(
          'its class "internal" is neither in the checked manifests nor a standard class (alb, nginx)',
        ),
      }),
    ]);
    const named = checkJson(['-', '--ingress-class', 'internal=ingress.k8s.aws/alb'], custom);
    expect(named.code).toBe(1);
    expect(named.report.errors).toBe(3);
  });

  it('rejects a malformed --ingress-class', () => {
    const { code, stderr } = runCli(['check', FIXTURES, '--ingress-class', 'alb']);
    expect(code).toBe(2);
    expect(stderr).toContain('--ingress-class must be NAME=CONTROLLER');
  });
});

describe('check files each mistake once, under the object to edit, with the fix', () => {
  it('a misspelt stableService next to rootService is an error with "did you mean"', () => {
    const { code, report } = checkJson([`${FIXTURES}/typo`]);
    expect(code).toBe(1);
    expect(rulesOf(report)).toEqual(['Rollout/shop error service-not-found']);
    expect(report.objects[0]!.findings[0]).toMatchObject({
      field: 'spec.strategy.canary.stableService',
      line: 39,
      message:
        'Service "shop-stabel" is not in the checked manifests; did you mean "shop-stable"? Fix: set spec.strategy.canary.stableService: shop-stable.',
    });
  });

  it('a missing Service with no near name stays a warning (it may live elsewhere)', () => {
    const text = readFileSync(`${FIXTURES}/typo/app.yaml`, 'utf8').replace('shop-stabel', 'billing-stable');
    const { code, report } = checkJson(['-'], text);
    expect(code).toBe(0);
    expect(rulesOf(report)).toEqual(['Rollout/shop warning service-not-found']);
  });

  it('NGINX: a stable Ingress backend on a port the Service lacks is an error on that backend', () => {
    const { code, report } = checkJson([`${FIXTURES}/nginx-port`]);
    expect(code).toBe(1);
    expect(report.objects.flatMap((o) => o.findings.map((f) => [o.kind, f.rule, f.field, f.line]))).toEqual([
      [
        'Ingress',
        'nginx-backend-port-not-in-service',
        'spec.rules[0].http.paths[0].backend.service.port.number',
        23,
      ],
      [
        'Ingress',
        'nginx-backend-port-not-in-service',
        'spec.rules[0].http.paths[1].backend.service.port.name',
        26,
      ],
    ]);
    expect(report.objects[0]!.findings[0]!.message).toContain(
      'port.number 8080 is not a port of Service "api-stable" (it has: 80)',
    );
  });

  it('a wiring mistake is reported once, under the Ingress, and counted once', () => {
    const { report } = checkJson(['test/fixtures/miswired']);
    const portNumber = report.objects.flatMap((o) =>
      o.findings.filter((f) => f.rule === 'alb-backend-port-number').map(() => o.kind),
    );
    expect(portNumber).toEqual(['Ingress']);
    expect(report.errors).toBe(1);
  });
});

describe('check in CI', () => {
  let repo: string;

  beforeAll(async () => {
    // A repository as app teams have them: manifests next to a chart, package files,
    // installed packages and git metadata.
    repo = await mkdtemp(join(tmpdir(), 'check-repo-'));
    await mkdir(join(repo, 'deploy'));
    await writeFile(join(repo, 'deploy', 'app.yaml'), readFileSync('examples/app/services.yaml'));
    await writeFile(join(repo, 'deploy', 'values.yaml'), 'replicas: 2\nimage: { tag: "1.0" }\n');
    await mkdir(join(repo, 'chart', 'templates'), { recursive: true });
    await writeFile(join(repo, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: app\nversion: 0.1.0\n');
    await writeFile(
      join(repo, 'chart', 'templates', 'svc.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n',
    );
    await writeFile(join(repo, 'package.json'), '{"name":"app","version":"1.0.0"}');
    await writeFile(join(repo, 'tsconfig.json'), '{ // comments are fine here\n "compilerOptions": {} }');
    await mkdir(join(repo, 'node_modules', 'pkg'), { recursive: true });
    await writeFile(join(repo, 'node_modules', 'pkg', 'bad.yaml'), 'apiVersion: v1\nkind: [');
    await mkdir(join(repo, '.git'));
    await writeFile(join(repo, '.git', 'bad.yaml'), 'apiVersion: v1\nkind: [');
  });

  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('skips what is not a manifest, with a count, and walks neither node_modules nor .git', () => {
    const { code, stdout } = runCli(['check', repo]);
    expect(code).toBe(0);
    expect(stdout).toContain('Skipped 4 inputs that are not Kubernetes manifests:');
    expect(stdout).toContain(
      `${join(repo, 'chart')}: a Helm chart; its templates become manifests only when rendered`,
    );
    expect(stdout).toContain(
      `${join(repo, 'deploy', 'values.yaml')} document 1: not a Kubernetes object (no apiVersion and kind)`,
    );
    expect(stdout).toContain(`${join(repo, 'package.json')} document 1: not a Kubernetes object`);
    expect(stdout).toContain(`${join(repo, 'tsconfig.json')}: not a Kubernetes manifest (is not valid JSON)`);
    expect(stdout).not.toContain('node_modules');
    expect(stdout).not.toContain('.git');
    expect(stdout).toContain('Checked 4 files: 0 Rollouts, 0 Ingresses, 2 Services, 0 IngressClasses.');
    expect(stdout).toMatch(/0 errors, 0 warnings\.\n$/);
  });

  it('reads - from stdin (kustomize build | check -), and says what it checked', () => {
    const stream = ['namespace', 'services', 'ingress', 'rollout']
      .map((f) => readFileSync(`examples/app/${f}.yaml`, 'utf8'))
      .join('\n---\n');
    const { code, stdout } = runCli(['check', '-'], stream);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Checked 1 file: 1 Rollout, 1 Ingress, 2 Services, 0 IngressClasses (and 1 object of other kinds, not checked).',
    );
  });

  it('--fail-on warning fails on warnings; the default fails on errors only', () => {
    // An Ingress whose Rollout-owned action is missing and no Rollout in the set: a warning.
    const ingress = readFileSync('examples/app/ingress.yaml', 'utf8');
    const lenient = runCli(['check', '-'], ingress);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain('0 errors, 1 warning.');
    expect(lenient.stdout).toContain('<stdin>:9: warning: ');
    const strict = runCli(['check', '-', '--fail-on', 'warning'], ingress);
    expect(strict.code).toBe(1);
    expect(runCli(['check', '-', '--fail-on', 'never'], ingress).code).toBe(2);
  });

  it('writes SARIF 2.1.0 with rule ids, levels, files and lines', () => {
    const { code, stdout } = runCli(['check', `${FIXTURES}/typo`, '--output', 'sarif']);
    expect(code).toBe(1);
    const sarif = JSON.parse(stdout) as {
      version: string;
      runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: unknown[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.tool.driver.name).toBe('rollouts-traffic-webhook');
    expect(sarif.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(['service-not-found']);
    expect(sarif.runs[0]!.results).toEqual([
      {
        ruleId: 'service-not-found',
        level: 'error',
        message: {
          text: expect.stringContaining(
            'Rollout default/shop: spec.strategy.canary.stableService: Service "shop-stabel"',
          ),
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: `${FIXTURES}/typo/app.yaml` },
              region: { startLine: 39 },
            },
          },
        ],
      },
    ]);
  });

  it('writes JUnit XML: one test case per Rollout and Ingress, a failure per failing one', () => {
    const { code, stdout } = runCli(['check', `${FIXTURES}/typo`, '--output', 'junit']);
    expect(code).toBe(1);
    expect(stdout).toContain(
      '<testsuite name="rollouts-traffic-webhook check" tests="2" failures="1" errors="0">',
    );
    expect(stdout).toContain(
      `<testcase classname="${FIXTURES}/typo/app.yaml document 4" name="Ingress default/shop"/>`,
    );
    expect(stdout).toContain(
      'name="Rollout default/shop"><failure type="service-not-found" message="1 finding">',
    );
    expect(stdout).toContain('did you mean &quot;shop-stable&quot;?');
  });

  it('names the file and line of unreadable input, and exits 1', () => {
    const { code, stdout } = runCli(['check', '-'], 'apiVersion: v1\nkind: Service\nmetadata: {name: [x\n');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^<stdin>: error: <stdin> document 1: is not valid YAML/);
  });
});
