import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/routing/model.js';
import type { WebhookPolicy } from '../../src/webhook/admission/handler.js';
import { encodeResponse } from '../../src/webhook/admission/response.js';
import {
  actionFor,
  EMPTY_RULE_POLICY,
  parseRulePolicy,
  PolicyFileError,
  scopeOf,
} from '../../src/webhook/enforcement.js';
import { decide } from '../../src/webhook/hooks/findings.js';
import { RULES } from '../../src/routing/findings/index.js';
import { expectLinear, measureScaling, scalingTest } from '../support/scaling.js';

const shop = { namespace: 'shop', labels: {} };

const POLICY = `
defaultAction: deny
rules:
  - match: [alb-path-matches-root-only]
    action: off
  - match: [alb-*]
    action: warn
  - match: [service-lacks-alb-port, nginx-*]
    action: audit
exemptions:
  - namespaces: [legacy]
  - labels: { team: payments }
    match: [canary-same-service]
`;

describe('parseRulePolicy and actionFor', () => {
  const policy = parseRulePolicy(POLICY);

  it('takes the first entry that names the rule, by id or id prefix', () => {
    expect(actionFor(policy, 'warn', 'alb-path-matches-root-only', shop)).toBe('off');
    expect(actionFor(policy, 'warn', 'alb-backend-port-number', shop)).toBe('warn');
    expect(actionFor(policy, 'warn', 'service-lacks-alb-port', shop)).toBe('audit');
    expect(actionFor(policy, 'warn', 'nginx-ingress-both', shop)).toBe('audit');
    // Not named: the file's defaultAction, which beats the --enforcement fallback.
    expect(actionFor(policy, 'warn', 'canary-same-service', shop)).toBe('deny');
  });

  it('uses --enforcement for unnamed rules when the file sets no defaultAction', () => {
    const noDefault = parseRulePolicy('rules: [{match: [alb-*], action: audit}]');
    expect(actionFor(noDefault, 'warn', 'canary-same-service', shop)).toBe('warn');
    expect(actionFor(noDefault, 'deny', 'canary-same-service', shop)).toBe('deny');
    expect(actionFor(EMPTY_RULE_POLICY, 'deny', 'anything', shop)).toBe('deny');
  });

  it('turns every rule off in an exempt namespace, and only the listed rules for a label exemption', () => {
    expect(actionFor(policy, 'deny', 'canary-same-service', { namespace: 'legacy', labels: {} })).toBe('off');
    expect(actionFor(policy, 'deny', 'alb-backend-port-number', { namespace: 'legacy', labels: {} })).toBe(
      'off',
    );
    const payments = { namespace: 'shop', labels: { team: 'payments' } };
    expect(actionFor(policy, 'deny', 'canary-same-service', payments)).toBe('off');
    expect(actionFor(policy, 'deny', 'alb-backend-port-number', payments)).toBe('warn');
    expect(
      actionFor(policy, 'deny', 'canary-same-service', { namespace: 'shop', labels: { team: 'other' } }),
    ).toBe('deny');
  });

  it('reads namespace and labels from the object, the request namespace first', () => {
    const object = { metadata: { namespace: 'a', labels: { team: 'payments', n: 1 } } };
    expect(scopeOf(object, 'b')).toEqual({ namespace: 'b', labels: { team: 'payments' } });
    expect(scopeOf(object, undefined).namespace).toBe('a');
    expect(scopeOf(undefined, undefined)).toEqual({ namespace: 'default', labels: {} });
  });

  it.each([
    [
      'rules: [{match: [alb-*], action: block}]',
      'rules[0].action must be deny, warn, audit or off, got "block"',
    ],
    ['rules: [{match: ["ALB-*"], action: warn}]', 'rules[0].match[0] "ALB-*" is not a rule id'],
    ['rules: [{match: ["alb*x"], action: warn}]', 'rules[0].match[0] "alb*x" is not a rule id'],
    [
      'rules: [{match: [alb-*], action: warn, namespaces: [a]}]',
      'rules[0] has an unknown field "namespaces"',
    ],
    ['exemptions: [{match: [alb-*]}]', 'exemptions[0] needs namespaces or labels'],
    [
      'exemptions: [{namespaces: [a], labels: {x: 1}}]',
      'exemptions[0].labels must map label keys to string values',
    ],
    ['defaultAction: audit', 'defaultAction must be deny or warn, got "audit"'],
    ['enforcement: deny', 'the policy has an unknown field "enforcement"'],
    ['- a', 'the policy must be a mapping'],
    ['rules: {a: b}', 'rules must be a list'],
    ['rules: [', 'not valid YAML'],
    [
      'rules: [{match: [alb-backend-port-numbr], action: warn}]',
      'rules[0].match[0] "alb-backend-port-numbr" names no rule',
    ],
    ['exemptions: [{namespaces: [a], match: [albx-*]}]', 'exemptions[0].match[0] "albx-*" names no rule'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseRulePolicy(text)).toThrow(PolicyFileError);
    expect(() => parseRulePolicy(text)).toThrow(message);
  });

  it('reads an empty file as no per-rule policy', () => {
    expect(parseRulePolicy('')).toEqual(EMPTY_RULE_POLICY);
  });

  scalingTest('parses and decides in time linear in the number of rules (n vs 8n)', () => {
    const ids = Object.keys(RULES);
    const file = (n: number) =>
      `rules:\n${Array.from({ length: n }, (_, i) => `  - match: [${ids[i % ids.length]}, alb-*]\n    action: warn\n`).join('')}`;
    const parseAndDecide = (text: string) => {
      const policy = parseRulePolicy(text);
      for (let i = 0; i < 50; i++) actionFor(policy, 'deny', 'not-listed', shop);
    };
    expectLinear(measureScaling(file, parseAndDecide, 100), 'parseRulePolicy and actionFor');
  });
});

describe('decide under a per-rule policy', () => {
  const findings: Finding[] = [
    {
      severity: 'error',
      rule: 'alb-backend-port-number',
      field: 'spec.rules[0]',
      message: 'use use-annotation',
    },
    { severity: 'error', rule: 'service-lacks-alb-port', field: 'spec.x', message: 'no port 80' },
    { severity: 'error', rule: 'canary-same-service', field: 'spec.y', message: 'two services needed' },
    { severity: 'warning', rule: 'alb-path-matches-root-only', field: 'spec.z', message: 'matches / only' },
  ];
  const policy = (text: string, enforcement: 'deny' | 'warn' = 'deny'): WebhookPolicy => ({
    controllerIdentities: new Set(),
    enforcement,
    rules: parseRulePolicy(text),
  });

  it('denies only deny rules, warns warn rules, keeps audit rules out of the answer but in the audit log', () => {
    const result = decide('Ingress shop/web', findings, policy(POLICY), shop);
    expect(result.allowed).toBe(false);
    expect(result.message).toBe(
      'Ingress shop/web has 1 error in its traffic routing:\n- spec.y: two services needed',
    );
    expect(result.warnings).toEqual(['alb-backend-port-number (would deny): use use-annotation']);
    expect(result.auditAnnotations).toEqual({
      decision: 'denied',
      'denied-rules': 'canary-same-service',
      'warned-rules': 'alb-backend-port-number',
      'audited-rules': 'service-lacks-alb-port',
    });
    expect(result.notices).toEqual([
      { outcome: 'denied', rule: 'canary-same-service', message: 'spec.y: two services needed' },
      { outcome: 'warned', rule: 'alb-backend-port-number', message: 'spec.rules[0]: use use-annotation' },
    ]);
    const encoded = encodeResponse('u', result, 'validate').response;
    expect(encoded.auditAnnotations).toEqual(result.auditAnnotations);
  });

  it('admits an object whose only error is an audit rule, silently, with reason audited', () => {
    const result = decide('Ingress shop/web', [findings[1]!], policy(POLICY), shop);
    expect(result).toMatchObject({ allowed: true, reason: 'audited', warnings: [], notices: [] });
    expect(result.auditAnnotations).toEqual({
      decision: 'audited',
      'audited-rules': 'service-lacks-alb-port',
    });
  });

  it('admits everything in an exempt namespace with no record at all', () => {
    const result = decide('Ingress legacy/web', findings, policy(POLICY), {
      namespace: 'legacy',
      labels: {},
    });
    expect(result).toEqual({ allowed: true, reason: 'valid', patch: [], warnings: [] });
  });

  it('behaves as before with no policy file: deny denies every error', () => {
    const result = decide(
      'Ingress shop/web',
      findings,
      { controllerIdentities: new Set(), enforcement: 'deny' },
      shop,
    );
    expect(result.message).toContain('has 3 errors');
    expect(result.warnings).toEqual(['alb-path-matches-root-only: matches / only']);
    const warned = decide(
      'Ingress shop/web',
      findings,
      { controllerIdentities: new Set(), enforcement: 'warn' },
      shop,
    );
    expect(warned).toMatchObject({ allowed: true, reason: 'invalid-warned' });
    expect(warned.warnings).toEqual([
      'alb-backend-port-number (would deny): use use-annotation',
      'service-lacks-alb-port (would deny): no port 80',
      'canary-same-service (would deny): two services needed',
      'alb-path-matches-root-only: matches / only',
    ]);
  });
});
