/**
 * The exact finding for each branch of `checkAlbAction`: the Load Balancer Controller's own
 * sentence, which the webhook quotes, and the fix it adds; the AWS-only limits; and the
 * Service port list. The LBC sentences are written out from kubernetes-sigs/aws-load-balancer-controller
 * v3.5, pkg/ingress/config_types.go (Action.validate, ForwardActionConfig.validate,
 * TargetGroupTuple.validate); the rest from docs/lb-annotations.md.
 */
import { describe, expect, it } from 'vitest';
import { checkAlbAction } from '../../../src/routing/alb/check-action.js';
import { parseAlbAction } from '../../../src/routing/alb/parse-annotations.js';
import { AWS_REJECTS, BUILD_FAILS } from '../../../src/routing/alb/verdicts.js';
import { FindingList } from '../../../src/routing/findings/finding-list.js';
import type { Finding, Service } from '../../../src/routing/model.js';
import { P, field, ingress, validateAction } from './check-helpers.js';

const KEY = `${P}/actions.web`;
const FIELD = field(KEY);

/** A finding as validateAlbAnnotations reports it for the Ingress shop/web. */
const error = (rule: string, message: string): Finding => ({
  severity: 'error',
  rule: rule as Finding['rule'],
  field: FIELD,
  message,
  ingress: 'shop/web',
});
const lbc = (rule: string, sentence: string, fix: string) =>
  error(rule, `${sentence}. ${BUILD_FAILS} Fix: ${fix}.`);

describe('the controller`s Action.validate, one branch each', () => {
  it.each([
    [
      'a target group with neither a Service nor a target group',
      '{"type":"forward","forwardConfig":{"targetGroups":[{"weight":1}]}}',
      lbc(
        'alb-target-group',
        'invalid ForwardConfig: invalid TargetGroupTuple: missing serviceName or targetGroupARN/targetGroupName',
        'give every target group either serviceName with servicePort, or targetGroupARN/targetGroupName',
      ),
    ],
    [
      'a target group with both a Service and a target group name',
      '{"type":"forward","forwardConfig":{"targetGroups":[{"targetGroupName":"tg","serviceName":"canary-svc","servicePort":443}]}}',
      lbc(
        'alb-target-group',
        'invalid ForwardConfig: invalid TargetGroupTuple: either serviceName or targetGroupARN/targetGroupName can be specified',
        'give every target group either serviceName with servicePort, or targetGroupARN/targetGroupName',
      ),
    ],
    [
      'a Service without a port',
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"canary-svc"}]}}',
      lbc(
        'alb-target-group',
        'invalid ForwardConfig: invalid TargetGroupTuple: missing servicePort',
        'give every target group either serviceName with servicePort, or targetGroupARN/targetGroupName',
      ),
    ],
    [
      'two target groups, one without weight',
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"canary-svc","servicePort":443,"weight":1},{"serviceName":"stable-svc","servicePort":443}]}}',
      lbc(
        'alb-weight-missing',
        'invalid ForwardConfig: weight must be set when route to multiple target groups',
        'set an integer weight (0-999) on every target group',
      ),
    ],
    [
      'fixed-response without its config',
      '{"type":"fixed-response"}',
      lbc('alb-action-config', 'missing FixedResponseConfig', 'add fixedResponseConfig'),
    ],
    [
      'fixed-response without a status code',
      '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain"}}',
      lbc(
        'alb-action-config',
        'invalid FixedResponseConfig: statusCode is required',
        'set fixedResponseConfig.statusCode',
      ),
    ],
    [
      'redirect without its config',
      '{"type":"redirect"}',
      lbc('alb-action-config', 'missing RedirectConfig', 'add redirectConfig'),
    ],
    [
      'redirect without a status code',
      '{"type":"redirect","redirectConfig":{"host":"example.com"}}',
      lbc(
        'alb-action-config',
        'invalid RedirectConfig: statusCode is required',
        'set redirectConfig.statusCode',
      ),
    ],
    [
      'forward with nothing to forward to',
      '{"type":"forward"}',
      lbc(
        'alb-action-config',
        'missing ForwardConfig or TargetGroupARN/TargetGroupName',
        'add forwardConfig.targetGroups',
      ),
    ],
    [
      'forward with both a config and a target group ARN',
      '{"type":"forward","targetGroupARN":"arn:tg","forwardConfig":{"targetGroups":[{"targetGroupARN":"arn:tg"}]}}',
      lbc(
        'alb-action-config',
        'either ForwardConfig or TargetGroupARN/TargetGroupName can be specified',
        'keep either forwardConfig or targetGroupARN/targetGroupName',
      ),
    ],
    [
      'a type in the wrong case',
      '{"type":"Fixed-Response","fixedResponseConfig":{"statusCode":"503"}}',
      lbc(
        'alb-action-type',
        'unknown action type: Fixed-Response',
        'type is case-sensitive: write "fixed-response"',
      ),
    ],
    [
      'a type the controller does not know',
      '{"type":"drop"}',
      lbc(
        'alb-action-type',
        'unknown action type: drop',
        'set type to one of "forward", "fixed-response", "redirect"',
      ),
    ],
  ])('%s', (_, json, expected) => {
    expect(validateAction(json)).toEqual([expected]);
  });

  it.each([
    ['one target group by ARN', '{"targetGroupARN":"arn:tg"}'],
    ['one target group by name', '{"targetGroupName":"tg"}'],
    ['one Service without weight', '{"serviceName":"canary-svc","servicePort":443}'],
  ])('accepts %s', (_, group) => {
    expect(validateAction(`{"type":"forward","forwardConfig":{"targetGroups":[${group}]}}`)).toEqual([]);
  });
});

describe('limits only AWS enforces', () => {
  const fixed = (code: string) => `{"type":"fixed-response","fixedResponseConfig":{"statusCode":"${code}"}}`;
  const badFixed = (code: string) =>
    error(
      'alb-status-code',
      `fixedResponseConfig.statusCode "${code}" is not a 2XX, 4XX or 5XX code. ${AWS_REJECTS} Fix: use a code such as "503".`,
    );

  it('a fixed response code must be exactly three digits starting 2, 4 or 5', () => {
    for (const code of ['200', '404', '503']) expect(validateAction(fixed(code))).toEqual([]);
    for (const code of ['302', '1200', '5030', '50'])
      expect(validateAction(fixed(code))).toEqual([badFixed(code)]);
  });

  it('a redirect code must be HTTP_301 or HTTP_302', () => {
    const redirect = (code: string) => `{"type":"redirect","redirectConfig":{"statusCode":"${code}"}}`;
    expect(validateAction(redirect('HTTP_301'))).toEqual([]);
    expect(validateAction(redirect('HTTP_302'))).toEqual([]);
    expect(validateAction(redirect('HTTP_307'))).toEqual([
      error(
        'alb-status-code',
        `redirectConfig.statusCode "HTTP_307" is neither "HTTP_301" nor "HTTP_302". ${AWS_REJECTS} Fix: use "HTTP_301" or "HTTP_302".`,
      ),
    ]);
  });

  it('checks only the config block of the action`s own type (the controller ignores the others)', () => {
    expect(
      validateAction(
        '{"type":"redirect","redirectConfig":{"statusCode":"HTTP_301"},"fixedResponseConfig":{"statusCode":"600"}}',
      ),
    ).toEqual([]);
    expect(
      validateAction(
        '{"type":"fixed-response","fixedResponseConfig":{"statusCode":"503"},"redirectConfig":{"statusCode":"HTTP_307"},"forwardConfig":{"targetGroups":[]}}',
      ),
    ).toEqual([]);
  });

  it('empty and oversized target group lists, with their exact sentences', () => {
    expect(validateAction('{"type":"forward","forwardConfig":{"targetGroups":[]}}')).toEqual([
      error(
        'alb-target-group-count',
        `forwardConfig.targetGroups is empty. ${AWS_REJECTS} Fix: list at least one target group.`,
      ),
    ]);
    const six = Array.from({ length: 6 }, (_, i) => `{"targetGroupName":"tg-${i}","weight":1}`).join(',');
    expect(validateAction(`{"type":"forward","forwardConfig":{"targetGroups":[${six}]}}`)).toEqual([
      error(
        'alb-target-group-count',
        `forwardConfig.targetGroups has 6 target groups; an ALB forward action takes at most 5. ${AWS_REJECTS} Fix: route to at most 5 target groups (fewer experiment services).`,
      ),
    ]);
  });

  it('a weight above 999', () => {
    expect(
      validateAction(
        '{"type":"forward","forwardConfig":{"targetGroups":[{"targetGroupName":"tg","weight":1000}]}}',
      ),
    ).toEqual([
      error(
        'alb-weight-range',
        `forwardConfig.targetGroups[0].weight is 1000; target group weights must be between 0 and 999. ${AWS_REJECTS} Fix: use weights from 0 to 999 (they are relative and need not sum to 100).`,
      ),
    ]);
  });

  it('a stickiness duration out of range: an error when enabled, a warning when not', () => {
    const sticky = (enabled: boolean) =>
      `{"type":"forward","forwardConfig":{"targetGroups":[{"targetGroupName":"tg"}],"targetGroupStickinessConfig":{"enabled":${enabled},"durationSeconds":0}}}`;
    const sentence =
      'forwardConfig.targetGroupStickinessConfig.durationSeconds is 0; it must be between 1 and 604800 seconds (7 days).';
    expect(validateAction(sticky(true))).toEqual([
      error('alb-stickiness-duration', `${sentence} ${AWS_REJECTS} Fix: use a duration from 1 to 604800.`),
    ]);
    expect(validateAction(sticky(false))).toEqual([
      {
        ...error(
          'alb-stickiness-duration',
          `${sentence} Stickiness is not enabled, so AWS may ignore it, but the value is still invalid. Fix: use a duration from 1 to 604800.`,
        ),
        severity: 'warning',
      },
    ]);
  });
});

describe('a port the Service does not declare lists the ports it does', () => {
  const check = (service: Service) => {
    const out = new FindingList(ingress({}));
    const action = parseAlbAction(
      KEY,
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"svc","servicePort":"web"}]}}',
    ) as Extract<ReturnType<typeof parseAlbAction>, { value: unknown }>;
    checkAlbAction({ out, key: KEY, namespace: 'shop', lookupService: () => service }, action.value);
    return out.items.map((f) => f.message);
  };
  const sentence = `unable to find port web on service shop/svc (forwardConfig.targetGroups[0]). ${BUILD_FAILS} Fix: use a port number or port name that the Service declares`;

  it('numbers with their names, a bare number, or none', () => {
    expect(
      check({ namespace: 'shop', name: 'svc', ports: [{ port: 443, name: 'https' }, { port: 8080 }] }),
    ).toEqual([`${sentence} (443/https, 8080).`]);
    expect(check({ namespace: 'shop', name: 'svc', ports: [] })).toEqual([`${sentence} (none).`]);
  });
});
