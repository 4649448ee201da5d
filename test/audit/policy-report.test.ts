import { describe, expect, it } from 'vitest';
import {
  buildReport,
  canonicalJson,
  MAX_RESULTS_PER_REPORT,
  mergeResult,
  OPEN_REPORT,
  POLICY_REPORT,
  sameReport,
  type AuditResult,
} from '../../src/audit/policy-report.js';
import type { JsonObject } from '../../src/routing/model.js';
import { expectLinear, measureScaling, scalingTest } from '../support/scaling.js';

const result = (name: string, rule = 'alb-backend-port-number', kind = 'Ingress'): AuditResult => ({
  object: { apiVersion: 'networking.k8s.io/v1', kind, namespace: 'shop', name, uid: `uid-${name}` },
  rule,
  result: 'fail',
  action: 'deny',
  message: `${name}: use port.name use-annotation`,
  fields: 'spec.rules[0]',
});

/** What the apiserver hands back: the same JSON with keys in another (sorted) order. */
function asStored(value: unknown): unknown {
  return JSON.parse(canonicalJson(value));
}

describe('buildReport', () => {
  it('writes a PolicyReport with one result per rule and object, sorted, and its summary', () => {
    const { body, omitted } = buildReport(
      POLICY_REPORT,
      'shop',
      [result('web'), { ...result('api', 'alb-action-unused'), result: 'warn', action: 'warn' }],
      1000,
    );
    expect(omitted).toBe(0);
    expect(body).toEqual({
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: 'PolicyReport',
      metadata: {
        name: 'rollouts-traffic-webhook',
        namespace: 'shop',
        labels: { 'app.kubernetes.io/managed-by': 'rollouts-traffic-webhook' },
      },
      summary: { pass: 0, fail: 1, warn: 1, error: 0, skip: 0 },
      results: [
        {
          source: 'rollouts-traffic-webhook',
          policy: 'rollouts-traffic-webhook',
          rule: 'alb-action-unused',
          category: 'Traffic routing',
          severity: 'medium',
          result: 'warn',
          scored: true,
          message: 'api: use port.name use-annotation',
          resources: [
            {
              apiVersion: 'networking.k8s.io/v1',
              kind: 'Ingress',
              namespace: 'shop',
              name: 'api',
              uid: 'uid-api',
            },
          ],
          properties: { action: 'warn', fields: 'spec.rules[0]' },
          timestamp: { seconds: 1000, nanos: 0 },
        },
        expect.objectContaining({ rule: 'alb-backend-port-number', severity: 'high', result: 'fail' }),
      ],
    });
  });

  it('writes the openreports.io Report with the same results and a top-level source', () => {
    const policy = buildReport(POLICY_REPORT, 'shop', [result('web')], 1000).body;
    const open = buildReport(OPEN_REPORT, 'shop', [result('web')], 1000).body;
    expect(open).toMatchObject({
      apiVersion: 'openreports.io/v1alpha1',
      kind: 'Report',
      source: 'rollouts-traffic-webhook',
    });
    expect(open['results']).toEqual(policy['results']);
  });

  it('keeps the timestamps of unchanged results, so an unchanged namespace needs no write', () => {
    const first = buildReport(POLICY_REPORT, 'shop', [result('web'), result('api')], 1000).body;
    const live = asStored({
      ...first,
      metadata: { ...(first['metadata'] as JsonObject), resourceVersion: '7' },
    });
    const again = buildReport(POLICY_REPORT, 'shop', [result('api'), result('web')], 2000, live).body;
    expect(sameReport(live, again)).toBe(true);
    const changed = buildReport(
      POLICY_REPORT,
      'shop',
      [result('web'), { ...result('api'), action: 'audit' }],
      2000,
      live,
    );
    expect(sameReport(live, changed.body)).toBe(false);
    const stamps = (changed.body['results'] as JsonObject[]).map(
      (r) => (r['timestamp'] as JsonObject)['seconds'],
    );
    // api (changed) is new at 2000; web (unchanged) keeps 1000.
    expect(stamps).toEqual([2000, 1000]);
  });

  it(`keeps at most ${MAX_RESULTS_PER_REPORT} results and says how many were left out`, () => {
    const many = Array.from({ length: MAX_RESULTS_PER_REPORT + 5 }, (_, i) =>
      result(`ing-${String(i).padStart(5, '0')}`),
    );
    const { body, omitted } = buildReport(POLICY_REPORT, 'shop', many, 1, undefined, 10);
    expect((body['results'] as unknown[]).length).toBe(MAX_RESULTS_PER_REPORT);
    expect(omitted).toBe(15);
    expect((body['metadata'] as JsonObject)['annotations']).toEqual({
      'rollouts-traffic-webhook/omitted-results': '15',
    });
  });

  scalingTest('builds in time linear in the number of results (n vs 8n)', () => {
    const results = (n: number) => Array.from({ length: n }, (_, i) => result(`ing-${i}`));
    const buildAndCompare = (of: AuditResult[]) => {
      const { body } = buildReport(POLICY_REPORT, 'shop', of, 1);
      sameReport(asStored(body), body);
    };
    expectLinear(measureScaling(results, buildAndCompare, 100), 'buildReport and sameReport');
  });
});

describe('mergeResult and canonicalJson', () => {
  it('joins findings of one rule on one object; a failure wins over a warning', () => {
    const into = { ...result('web'), result: 'warn' as const, fields: 'a' };
    mergeResult(into, { ...result('web'), message: 'second', fields: 'b' });
    mergeResult(into, { ...result('web'), message: 'third', fields: 'a' });
    expect(into).toMatchObject({
      result: 'fail',
      fields: 'a,b',
      message: 'web: use port.name use-annotation\nsecond\nthird',
    });
  });

  it('ignores key order and stops at a depth no report has', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    let deep: unknown = 1;
    for (let i = 0; i < 20; i++) deep = [deep];
    expect(canonicalJson(deep)).toContain('"<too deep>"');
  });
});
