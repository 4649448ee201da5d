import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/commands/check.js';
import type { ClusterView, Rollout } from '../../src/routing/model.js';
import type { AdmissionResult } from '../../src/webhook/admission/response.js';
import type { AdmissionRequest } from '../../src/webhook/admission/review.js';
import { eventsOf } from '../../src/webhook/events.js';
import { admissionRequest } from '../support/admission-review.js';
import { expectLinear, measureScaling, scalingTest } from '../support/scaling.js';

const cluster = {
  getRollout: (ns: string, name: string) =>
    ns === 'shop' && name === 'web'
      ? ({ namespace: 'shop', name: 'web', uid: 'rollout-uid' } as Rollout)
      : undefined,
} as unknown as ClusterView;

const request = (over: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  ...admissionRequest({
    kind: 'Ingress',
    name: 'web',
    username: 'argocd',
    object: { metadata: { name: 'web' } },
    oldObject: { metadata: { name: 'web', uid: 'ingress-uid' } },
  }),
  ...over,
});

const restored: AdmissionResult = {
  allowed: true,
  reason: 'traffic-state-restored',
  patch: [],
  warnings: [],
  notices: [
    {
      outcome: 'overridden',
      rule: 'rollout-owned-key-restored',
      message: 'actions.web: kept',
      rollout: 'web',
    },
  ],
};

describe('eventsOf', () => {
  it('records a restored key on the Ingress and on the Rollout that owns it, each naming the other', () => {
    expect(eventsOf(request(), restored, cluster)).toEqual([
      {
        regarding: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          namespace: 'shop',
          name: 'web',
          uid: 'ingress-uid',
        },
        related: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Rollout',
          namespace: 'shop',
          name: 'web',
          uid: 'rollout-uid',
        },
        type: 'Warning',
        reason: 'TrafficStateRestored',
        action: 'Restore',
        note: '[rollout-owned-key-restored] actions.web: kept',
      },
      {
        regarding: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Rollout',
          namespace: 'shop',
          name: 'web',
          uid: 'rollout-uid',
        },
        related: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          namespace: 'shop',
          name: 'web',
          uid: 'ingress-uid',
        },
        type: 'Warning',
        reason: 'TrafficStateRestored',
        action: 'Restore',
        note: 'Ingress web: [rollout-owned-key-restored] actions.web: kept',
      },
    ]);
  });

  it("takes the Ingress's uid from the object when the old one has none usable", () => {
    const regardingOf = (oldObject: unknown) =>
      eventsOf(
        request({
          oldObject: oldObject as AdmissionRequest['oldObject'],
          object: { metadata: { name: 'web', uid: 'new-uid' } },
        }),
        restored,
        cluster,
      )[0]!.regarding;
    expect(regardingOf({ metadata: { name: 'web', uid: '' } }).uid).toBe('new-uid');
    expect(regardingOf({ metadata: { name: 'web', uid: 5 } }).uid).toBe('new-uid');
    expect(regardingOf({ metadata: null }).uid).toBe('new-uid');
    expect(regardingOf({ metadata: [] }).uid).toBe('new-uid');
    expect(regardingOf(undefined).uid).toBe('new-uid');
  });

  it('records a denial on the object only, and nothing for a dry run or a nameless object', () => {
    const denied: AdmissionResult = {
      allowed: false,
      reason: 'canary-same-service',
      patch: [],
      warnings: [],
      notices: [{ outcome: 'denied', rule: 'canary-same-service', message: 'spec.y: two services' }],
    };
    const rollout = request({
      kind: { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' },
      operation: 'CREATE',
      oldObject: undefined,
    });
    expect(eventsOf(rollout, denied, cluster)).toEqual([
      {
        regarding: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace: 'shop', name: 'web' },
        related: undefined,
        type: 'Warning',
        reason: 'AdmissionDenied',
        action: 'Deny',
        note: '[canary-same-service] spec.y: two services',
      },
    ]);
    expect(eventsOf(request({ dryRun: true }), restored, cluster)).toEqual([]);
    expect(eventsOf(request({ name: undefined }), restored, cluster)).toEqual([]);
    expect(eventsOf(request(), { allowed: true, reason: 'valid', patch: [], warnings: [] }, cluster)).toEqual(
      [],
    );
  });
});

describe('eventsOf groups the notices of one answer', () => {
  const ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    namespace: 'shop',
    name: 'web',
    uid: 'ingress-uid',
  };
  const webRollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    namespace: 'shop',
    name: 'web',
    uid: 'rollout-uid',
  };
  const restoredKeys = (rollouts: string[]): AdmissionResult => ({
    allowed: true,
    reason: 'traffic-state-restored',
    patch: [],
    warnings: [],
    notices: rollouts.map((rollout, i) => ({
      outcome: 'overridden' as const,
      rule: 'rollout-owned-key-restored',
      message: `key-${i}: restored`,
      rollout,
    })),
  });

  it('makes one Event per object for the keys one Rollout owns, listing each key in order', () => {
    expect(eventsOf(request(), restoredKeys(['web', 'web', 'web']), cluster)).toEqual([
      {
        regarding: ingress,
        related: webRollout,
        type: 'Warning',
        reason: 'TrafficStateRestored',
        action: 'Restore',
        note:
          '[rollout-owned-key-restored] key-0: restored; [rollout-owned-key-restored] key-1: restored; ' +
          '[rollout-owned-key-restored] key-2: restored',
      },
      {
        regarding: webRollout,
        related: ingress,
        type: 'Warning',
        reason: 'TrafficStateRestored',
        action: 'Restore',
        note:
          'Ingress web: [rollout-owned-key-restored] key-0: restored; ' +
          '[rollout-owned-key-restored] key-1: restored; [rollout-owned-key-restored] key-2: restored',
      },
    ]);
  });

  it('keeps the keys of two Rollouts apart, and denials apart from warnings', () => {
    const twoOwners = eventsOf(request(), restoredKeys(['web', 'api', 'web']), cluster);
    expect(twoOwners.map((e) => [e.regarding.kind, e.regarding.name, e.note])).toEqual([
      [
        'Ingress',
        'web',
        '[rollout-owned-key-restored] key-0: restored; [rollout-owned-key-restored] key-2: restored',
      ],
      [
        'Rollout',
        'web',
        'Ingress web: [rollout-owned-key-restored] key-0: restored; [rollout-owned-key-restored] key-2: restored',
      ],
      ['Ingress', 'web', '[rollout-owned-key-restored] key-1: restored'],
      ['Rollout', 'api', 'Ingress web: [rollout-owned-key-restored] key-1: restored'],
    ]);
    const mixed: AdmissionResult = {
      allowed: false,
      reason: 'alb-backend-port-number',
      patch: [],
      warnings: [],
      notices: [
        { outcome: 'warned', rule: 'alb-action-unused', message: 'w1' },
        { outcome: 'denied', rule: 'alb-backend-port-number', message: 'd1' },
        { outcome: 'warned', rule: 'service-lacks-alb-port', message: 'w2' },
      ],
    };
    expect(eventsOf(request(), mixed, cluster).map((e) => [e.reason, e.action, e.note])).toEqual([
      ['AdmissionWarning', 'Admit', '[alb-action-unused] w1; [service-lacks-alb-port] w2'],
      ['AdmissionDenied', 'Deny', '[alb-backend-port-number] d1'],
    ]);
  });

  scalingTest('groups in time linear in the notices, however many Rollouts own them', () => {
    // One Rollout per 50 notices: a search of the groups per notice would be quadratic.
    const answer = (n: number) =>
      restoredKeys(Array.from({ length: n }, (_, i) => `rollout-${i % (n / 50)}`));
    expectLinear(
      measureScaling(answer, (a) => eventsOf(request(), a, cluster), 2_000),
      'eventsOf',
    );
  });
});

describe('check --policy', () => {
  it('decides as the cluster would: audit rules do not fail the check, off rules are not listed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtw-check-policy-'));
    const policy = join(dir, 'policy.yaml');
    await writeFile(
      policy,
      'rules:\n  - match: [alb-backend-port-number]\n    action: audit\n  - match: [alb-action-unused]\n    action: off\n',
    );
    const plain = await runCheck({ paths: ['test/fixtures/miswired'] });
    // One finding per mistake, filed under the Ingress to edit.
    expect(plain.errors).toBe(1);
    const report = await runCheck({ paths: ['test/fixtures/miswired'], policy });
    expect(report.errors).toBe(0);
    expect(report.warnings).toBe(1);
    const findings = report.objects.flatMap((o) => o.findings);
    expect(findings.map((f) => f.rule)).toEqual(['alb-backend-port-number']);
    expect(findings.every((f) => f.severity === 'warning' && f.message.endsWith('(audit by policy)'))).toBe(
      true,
    );
  });

  it('refuses a bad policy file with a usage error naming the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtw-check-policy-'));
    const policy = join(dir, 'policy.yaml');
    await writeFile(policy, 'rules: [{match: [alb-*], action: block}]\n');
    await expect(runCheck({ paths: ['test/fixtures/miswired'], policy })).rejects.toThrow(
      `--policy ${policy}: rules[0].action must be deny, warn, audit or off, got "block"`,
    );
  });
});
