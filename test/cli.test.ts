import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from './support/admission-review.js';

const BIN = 'bin/rollouts-traffic-webhook.js';

function run(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const review = ARGOCD_REAPPLY_REVIEW_TEXT;

describe('review', () => {
  it('prints the AdmissionReview the server would return', () => {
    const { code, stdout } = run(['review', '--hook', 'mutate', '--state', 'examples/quickstart'], review);
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as {
      response: { uid: string; allowed: boolean; patchType: string; warnings: string[] };
    };
    expect(body.response.uid).toBe('2f9c1a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b');
    expect(body.response.patchType).toBe('JSONPatch');
    expect(body.response.warnings.length).toBeGreaterThan(0);
  });

  it('exits 0 for a denial too', () => {
    const { code, stdout } = run(
      ['review', '--hook', 'validate', '--state', 'test/fixtures/miswired'],
      readFileSync('test/fixtures/reviews/create-miswired-rollout.json', 'utf8'),
    );
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { response: { allowed: boolean } }).response.allowed).toBe(false);
  });

  it.each([
    [
      ['review', '--hook', 'mutate', '--state', 'examples/quickstart'],
      'not json',
      'review: stdin is not valid JSON',
    ],
    [
      ['review', '--hook', 'mutate', '--state', 'examples/quickstart'],
      '{}',
      'review: kind must be "AdmissionReview"',
    ],
    [
      ['review', '--hook', 'patch', '--state', 'examples/quickstart'],
      review,
      '--hook must be mutate or validate, got "patch"',
    ],
    [['review', '--hook', 'mutate'], review, 'give at least one manifest file or folder'],
    [['review', '--hook', 'mutate', '--state', 'no/such/dir'], review, 'no/such/dir: cannot be read'],
    [['review', '--bogus'], review, "Unknown option '--bogus'"],
  ])('exits 2 with a clear message for bad input %#', (args, input, message) => {
    const { code, stderr, stdout } = run(args, input);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });
});

describe('check', () => {
  it('passes the quick-start manifests', () => {
    const { code, stdout } = run(['check', 'examples/quickstart']);
    expect(stdout).toContain('0 errors, 0 warnings.');
    expect(code).toBe(0);
  });

  it('finds the miswired backend, names the Ingress, and exits 1', () => {
    const { code, stdout } = run(['check', 'test/fixtures/miswired']);
    expect(code).toBe(1);
    expect(stdout).toContain('use-annotation');
    expect(stdout).toMatch(/Rollout payments\/api|Ingress payments\/api/);
  });

  it('prints JSON with --output json', () => {
    const { code, stdout } = run(['check', 'test/fixtures/miswired', '--output', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      errors: number;
      objects: { kind: string; findings: { severity: string }[] }[];
    };
    expect(report.errors).toBeGreaterThan(0);
    expect(report.objects.some((o) => o.findings.some((f) => f.severity === 'error'))).toBe(true);
  });

  it('reports an unreadable path as an error', () => {
    const { code, stdout } = run(['check', 'no/such/path']);
    expect(code).toBe(1);
    expect(stdout).toContain('no/such/path: cannot be read');
  });

  it('rejects an unknown output format', () => {
    expect(run(['check', 'examples/quickstart', '--output', 'xml']).code).toBe(2);
  });
});

describe('render', () => {
  it('prints each Ingress as admitted on CREATE', () => {
    const { code, stdout } = run(['render', 'examples/quickstart']);
    expect(code).toBe(0);
    const docs = parseAllDocuments(stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { annotations?: Record<string, string> } },
    );
    const ingress = docs.find((d) => d.kind === 'Ingress');
    expect(ingress?.metadata.annotations?.['alb.ingress.kubernetes.io/actions.shop-stable']).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"shop-canary","ServicePort":"80","Weight":20},{"ServiceName":"shop-stable","ServicePort":"80","Weight":80}]}}',
    );
    expect(docs).toHaveLength(parseAllDocuments(readFileSync('examples/quickstart/app.yaml', 'utf8')).length);
    expect(parse(stdout.split('---\n')[1] ?? '')).toMatchObject({ kind: 'IngressClass' });
  });
});

describe('usage', () => {
  it('prints usage with --help and exits 2 for an unknown command', () => {
    expect(run(['--help']).stdout).toContain('Usage: rollouts-traffic-webhook');
    const unknown = run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});
