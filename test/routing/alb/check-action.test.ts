import { describe, expect, it } from 'vitest';
import { parseAlbAction, parseAlbConditions } from '../../../src/routing/alb/parse-annotations.js';
import { validateAlbAnnotations } from '../../../src/routing/alb/index.js';
import { P, backend, field, ruleIds, validate, validateAction } from './check-helpers.js';

const KEY = `${P}/actions.web`;
const fwd = (groups: string, extra = '') =>
  `{"type":"forward","forwardConfig":{"targetGroups":[${groups}]${extra}}}`;
const tg = (svc: string, weight?: number | string, port: number | string = 443) =>
  `{"serviceName":"${svc}","servicePort":${JSON.stringify(port)}${weight === undefined ? '' : `,"weight":${weight}`}}`;

describe('Argo Rollouts output validates clean', () => {
  // Argo argo alb_test.go worked examples, byte for byte.
  const examples: [string, string][] = [
    [
      'argo alb_test.go weight 10',
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":10},{"ServiceName":"stable-svc","ServicePort":"443","Weight":90}]}}',
    ],
    [
      'argo alb_test.go weight 0',
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":0},{"ServiceName":"stable-svc","ServicePort":"443","Weight":100}]}}',
    ],
    [
      'argo alb_test.go weight 100',
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":100},{"ServiceName":"stable-svc","ServicePort":"443","Weight":0}]}}',
    ],
    [
      'argo alb_test.go stickiness',
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":10},{"ServiceName":"stable-svc","ServicePort":"443","Weight":90}],"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":300}}}',
    ],
    [
      'argo alb_test.go experiment destinations',
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":10},{"ServiceName":"ex-svc-1","ServicePort":"443","Weight":2},{"ServiceName":"ex-svc-2","ServicePort":"443","Weight":3},{"ServiceName":"stable-svc","ServicePort":"443","Weight":85}]}}',
    ],
  ];
  for (const [name, value] of examples) {
    it(`${name}: no findings`, () => {
      const findings = validate(
        {
          [`${P}/actions.stable-svc`]: value,
          'rollouts.argoproj.io/managed-alb-annotations':
            '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"]}',
          'kubernetes.io/ingress.class': 'alb',
        },
        [backend({ serviceName: 'stable-svc', path: '/*', pathType: 'ImplementationSpecific' })],
      );
      expect(findings).toEqual([]);
    });
  }

  it('argo alb_test.go decodes the PascalCase keys into the domain action', () => {
    const parsed = parseAlbAction(KEY, examples[3]?.[1] as string);
    expect(parsed).toEqual({
      value: {
        type: 'forward',
        forwardConfig: {
          targetGroups: [
            { serviceName: 'canary-svc', servicePort: 443, weight: 10 },
            { serviceName: 'stable-svc', servicePort: 443, weight: 90 },
          ],
          targetGroupStickinessConfig: { enabled: true, durationSeconds: 300 },
        },
      },
    });
  });

  it('argo alb.go header route action, conditions and /* path: no findings', () => {
    const findings = validate(
      {
        [`${P}/actions.stable-svc`]: examples[0]?.[1] as string,
        [`${P}/actions.hdr`]:
          '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":100}]}}',
        [`${P}/conditions.hdr`]:
          '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-canary","values":["yes","also"]}}]',
      },
      [
        backend({ serviceName: 'hdr', path: '/*', pathType: 'ImplementationSpecific' }),
        backend({ pathIndex: 1, serviceName: 'stable-svc', path: '/*', pathType: 'ImplementationSpecific' }),
      ],
    );
    expect(findings).toEqual([]);
  });

  it('argo alb.go an empty match list writes the literal null: valid, adds nothing', () => {
    expect(parseAlbConditions(`${P}/conditions.hdr`, 'null')).toEqual({ value: [] });
  });

  it('argo alb.go the negative stable weight Argo can write is rejected as AWS would', () => {
    const findings = validateAction(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":110},{"ServiceName":"stable-svc","ServicePort":"443","Weight":-10}]}}',
    );
    expect(ruleIds(findings)).toEqual(['alb-weight-range']);
    expect(findings[0]?.message).toContain('forwardConfig.targetGroups[1].weight is -10');
    expect(findings[0]?.message).toContain('AWS would reject');
  });
});

describe('LBC config_types.go decoding errors (exact Go/LBC messages)', () => {
  const prefix = `failed to parse json annotation, ${KEY}: `;
  const cases: [string, string, string][] = [
    [
      'weight as string',
      fwd(tg('canary-svc', '"20"')),
      'json: cannot unmarshal string into Go struct field TargetGroupTuple.forwardConfig.targetGroups.weight of type int32',
    ],
    [
      'weight 20.0',
      fwd(tg('canary-svc', '20.0')),
      'json: cannot unmarshal number 20.0 into Go struct field TargetGroupTuple.forwardConfig.targetGroups.weight of type int32',
    ],
    [
      'weight 2e1',
      fwd(tg('canary-svc', '2e1')),
      'json: cannot unmarshal number 2e1 into Go struct field TargetGroupTuple.forwardConfig.targetGroups.weight of type int32',
    ],
    [
      'weight 20.5',
      fwd(tg('canary-svc', '20.5')),
      'json: cannot unmarshal number 20.5 into Go struct field TargetGroupTuple.forwardConfig.targetGroups.weight of type int32',
    ],
    [
      'weight beyond int32',
      fwd(tg('canary-svc', '2147483648')),
      'json: cannot unmarshal number 2147483648 into Go struct field TargetGroupTuple.forwardConfig.targetGroups.weight of type int32',
    ],
    [
      'servicePort as bool',
      fwd(tg('canary-svc', 1, true as never)),
      'json: cannot unmarshal bool into Go struct field TargetGroupTuple.forwardConfig.targetGroups.servicePort of type int32',
    ],
    [
      'servicePort as float',
      fwd(tg('canary-svc', 1, 80.5)),
      'json: cannot unmarshal number 80.5 into Go struct field TargetGroupTuple.forwardConfig.targetGroups.servicePort of type int32',
    ],
    [
      'servicePort as object',
      fwd('{"serviceName":"canary-svc","servicePort":{"port":80}}'),
      'json: cannot unmarshal object into Go struct field TargetGroupTuple.forwardConfig.targetGroups.servicePort of type int32',
    ],
    [
      'enabled as string',
      fwd(tg('canary-svc'), ',"targetGroupStickinessConfig":{"enabled":"true"}'),
      'json: cannot unmarshal string into Go struct field TargetGroupStickinessConfig.forwardConfig.targetGroupStickinessConfig.enabled of type bool',
    ],
    [
      'an array instead of an object',
      '[]',
      'json: cannot unmarshal array into Go value of type ingress.Action',
    ],
    ['empty string', '', 'unexpected end of JSON input'],
    ['YAML-ish text', 'type: forward', "invalid character 'y' in literal true (expecting 'r')"],
    [
      'trailing comma',
      '{"type":"forward",}',
      "invalid character '}' looking for beginning of object key string",
    ],
  ];
  for (const [name, raw, tail] of cases) {
    it(`LBC config_types.go ${name}`, () => {
      expect(parseAlbAction(KEY, raw)).toEqual({ error: `${prefix}${raw}: ${tail}` });
      const findings = validateAction(raw);
      expect(ruleIds(findings)).toEqual(['alb-annotation-json']);
      expect(findings[0]).toMatchObject({ severity: 'error', field: field(KEY), ingress: 'shop/web' });
      expect(findings[0]?.message.startsWith(`${prefix}${raw}: ${tail}. `)).toBe(true);
    });
  }

  it('LBC config_types.go value null decodes to an empty type: unknown action type', () => {
    const findings = validateAction('null');
    expect(ruleIds(findings)).toEqual(['alb-action-type']);
    expect(findings[0]?.message).toMatch(/^unknown action type: \. /);
  });

  it('LBC config_types.go leading and trailing whitespace (YAML > folding) is harmless', () => {
    expect(validateAction(`\n  ${fwd(tg('canary-svc'))}\n`)).toEqual([]);
  });

  it('LBC config_types.go key matching is case-insensitive, exact tag preferred, last duplicate wins', () => {
    const parsed = parseAlbAction(
      KEY,
      '{"TYPE":"redirect","type":"forward","targetgrouparn":"arn:x","TargetGroupArn":"arn:y","TARGETGROUPNAME":null}',
    );
    expect(parsed).toEqual({ value: { type: 'forward', targetGroupARN: 'arn:y' } });
  });

  it('LBC config_types.go unknown keys are ignored: service_port is dropped, serviceport is accepted', () => {
    expect(ruleIds(validateAction(fwd('{"serviceName":"canary-svc","serviceport":443}')))).toEqual([]);
    const findings = validateAction(fwd('{"serviceName":"canary-svc","service_port":443}'));
    expect(findings.find((f) => f.rule !== 'alb-annotation-unknown-key')?.message).toMatch(
      /^invalid ForwardConfig: invalid TargetGroupTuple: missing servicePort\. /,
    );
    // The dropped key is named, with the field it was meant to be.
    const unknown = findings.find((f) => f.rule === 'alb-annotation-unknown-key');
    expect(unknown?.severity).toBe('error');
    expect(unknown?.message).toContain(
      'key "service_port" (at forwardConfig.targetGroups.service_port) is not a field the AWS Load Balancer Controller knows',
    );
    expect(unknown?.message).toContain('Fix: write "servicePort"');
  });

  it('LBC config_types.go null for a pointer field is absent', () => {
    const findings = validateAction(
      fwd(`${tg('canary-svc', 1)},{"serviceName":"stable-svc","servicePort":443,"weight":null}`),
    );
    expect(ruleIds(findings)).toEqual(['alb-weight-missing']);
  });

  it('LBC config_types.go servicePort strings that are base-10 int32 are normalised to numbers', () => {
    for (const port of ['443', '0443', '+443']) {
      const parsed = parseAlbAction(KEY, fwd(tg('canary-svc', undefined, port)));
      expect(parsed).toEqual({
        value: {
          type: 'forward',
          forwardConfig: { targetGroups: [{ serviceName: 'canary-svc', servicePort: 443 }] },
        },
      });
    }
    const named = parseAlbAction(KEY, fwd(tg('canary-svc', undefined, 'https')));
    expect(named).toMatchObject({ value: { forwardConfig: { targetGroups: [{ servicePort: 'https' }] } } });
  });

  it('LBC config_types.go a target group without servicePort keeps it absent (a nil pointer in Go)', () => {
    const parsed = parseAlbAction(KEY, fwd('{"serviceName":"canary-svc","weight":1}'));
    // toStrictEqual: `servicePort: undefined` would be a different object.
    expect(parsed).toStrictEqual({
      value: { type: 'forward', forwardConfig: { targetGroups: [{ serviceName: 'canary-svc', weight: 1 }] } },
    });
  });

  it('LBC config_types.go forwardConfig without targetGroups (or null) decodes to an empty list', () => {
    for (const raw of [
      '{"type":"forward","forwardConfig":{}}',
      '{"type":"forward","forwardConfig":{"targetGroups":null}}',
    ]) {
      expect(parseAlbAction(KEY, raw)).toEqual({
        value: { type: 'forward', forwardConfig: { targetGroups: [] } },
      });
    }
  });

  it('LBC config_types.go a conditions value must be an array; [] and null are valid', () => {
    const key = `${P}/conditions.web`;
    expect(parseAlbConditions(key, '{}')).toEqual({
      error: `failed to parse json annotation, ${key}: {}: json: cannot unmarshal object into Go value of type []ingress.RuleCondition`,
    });
    expect(parseAlbConditions(key, '[]')).toEqual({ value: [] });
  });

  it('LBC config_types.go a message quoting a huge value is bounded', () => {
    const raw = `{"type":"forward","x":"${'a'.repeat(5000)}",}`;
    const findings = validateAction(raw);
    expect(findings[0]?.message.length).toBeLessThan(2600);
    expect(findings[0]?.message).toContain('more characters)');
  });
});

describe('LBC config_types.go controller validation (exact messages)', () => {
  const cases: [string, string, string, string][] = [
    ['unknown type', '{"type":"weighted"}', 'alb-action-type', 'unknown action type: weighted'],
    [
      'type is case-sensitive',
      '{"type":"Forward","forwardConfig":{"targetGroups":[]}}',
      'alb-action-type',
      'unknown action type: Forward',
    ],
    [
      'fixed-response without config',
      '{"type":"fixed-response"}',
      'alb-action-config',
      'missing FixedResponseConfig',
    ],
    [
      'fixed-response without statusCode',
      '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain"}}',
      'alb-action-config',
      'invalid FixedResponseConfig: statusCode is required',
    ],
    ['redirect without config', '{"type":"redirect"}', 'alb-action-config', 'missing RedirectConfig'],
    [
      'redirect without statusCode',
      '{"type":"redirect","redirectConfig":{"port":"443"}}',
      'alb-action-config',
      'invalid RedirectConfig: statusCode is required',
    ],
    [
      'forward without target',
      '{"type":"forward"}',
      'alb-action-config',
      'missing ForwardConfig or TargetGroupARN/TargetGroupName',
    ],
    [
      'forward with both schemas',
      `{"type":"forward","targetGroupName":"tg","forwardConfig":{"targetGroups":[${tg('canary-svc')}]}}`,
      'alb-action-config',
      'either ForwardConfig or TargetGroupARN/TargetGroupName can be specified',
    ],
    [
      'tuple without target',
      fwd('{"weight":1}'),
      'alb-target-group',
      'invalid ForwardConfig: invalid TargetGroupTuple: missing serviceName or targetGroupARN/targetGroupName',
    ],
    [
      'tuple with service and ARN',
      fwd('{"serviceName":"canary-svc","servicePort":443,"targetGroupARN":"arn:x"}'),
      'alb-target-group',
      'invalid ForwardConfig: invalid TargetGroupTuple: either serviceName or targetGroupARN/targetGroupName can be specified',
    ],
    [
      'tuple without servicePort',
      fwd('{"serviceName":"canary-svc"}'),
      'alb-target-group',
      'invalid ForwardConfig: invalid TargetGroupTuple: missing servicePort',
    ],
    [
      'weight missing with two groups',
      fwd(`${tg('canary-svc', 10)},${tg('stable-svc')}`),
      'alb-weight-missing',
      'invalid ForwardConfig: weight must be set when route to multiple target groups',
    ],
  ];
  for (const [name, raw, rule, message] of cases) {
    it(`LBC config_types.go ${name}`, () => {
      const findings = validateAction(raw).filter((f) => f.rule !== 'alb-target-group-count');
      expect(ruleIds(findings)).toEqual([rule]);
      expect(findings[0]).toMatchObject({ severity: 'error', field: field(KEY) });
      expect(findings[0]?.message.startsWith(`${message}. The AWS Load Balancer Controller would fail`)).toBe(
        true,
      );
    });
  }

  it('LBC config_types.go the simplified schema (single external target group) is valid', () => {
    expect(validateAction('{"type":"forward","targetGroupARN":"arn:aws:elasticloadbalancing:tg/x"}')).toEqual(
      [],
    );
    expect(validateAction('{"type":"forward","targetGroupName":"blue"}')).toEqual([]);
  });

  it('LBC config_types.go a single target group needs no weight', () => {
    expect(validateAction(fwd(tg('canary-svc')))).toEqual([]);
  });

  it('LBC config_types.go valid fixed-response and redirect actions', () => {
    expect(
      validateAction(
        '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503","messageBody":"down"}}',
      ),
    ).toEqual([]);
    expect(
      validateAction(
        '{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}',
      ),
    ).toEqual([]);
  });
});

describe('LBC config_types.go limits enforced only by AWS', () => {
  it('LBC config_types.go weights 0 and 999 pass, -1 and 1000 fail [AWS-side]', () => {
    expect(validateAction(fwd(`${tg('canary-svc', 0)},${tg('stable-svc', 999)}`))).toEqual([]);
    const findings = validateAction(fwd(`${tg('canary-svc', -1)},${tg('stable-svc', 1000)}`));
    expect(ruleIds(findings)).toEqual(['alb-weight-range', 'alb-weight-range']);
    expect(findings[0]?.message).toContain(
      'forwardConfig.targetGroups[0].weight is -1; target group weights must be between 0 and 999',
    );
    expect(findings[1]?.message).toContain('forwardConfig.targetGroups[1].weight is 1000');
  });

  it('LBC config_types.go at most 5 target groups [AWS-side]', () => {
    const five = ['canary-svc', 'stable-svc', 'ex-svc-1', 'ex-svc-2', 'web-canary'].map((s) => tg(s, 1));
    expect(validateAction(fwd(five.join(',')))).toEqual([]);
    const findings = validateAction(fwd([...five, tg('web-stable', 1)].join(',')));
    expect(ruleIds(findings)).toEqual(['alb-target-group-count']);
    expect(findings[0]?.message).toContain('has 6 target groups; an ALB forward action takes at most 5');
  });

  it('LBC config_types.go an empty targetGroups array passes the controller but not AWS', () => {
    const findings = validateAction(fwd(''));
    expect(ruleIds(findings)).toEqual(['alb-target-group-count']);
    expect(findings[0]?.message).toContain('forwardConfig.targetGroups is empty');
  });

  it('LBC config_types.go stickiness duration 1..604800 [AWS-side]', () => {
    const sticky = (s: string) =>
      validateAction(fwd(tg('canary-svc'), `,"targetGroupStickinessConfig":${s}`));
    expect(sticky('{"enabled":true,"durationSeconds":1}')).toEqual([]);
    expect(sticky('{"enabled":true,"durationSeconds":604800}')).toEqual([]);
    const tooLong = sticky('{"enabled":true,"durationSeconds":604801}');
    expect(tooLong.map((f) => [f.rule, f.severity])).toEqual([['alb-stickiness-duration', 'error']]);
    expect(tooLong[0]?.message).toContain(
      'durationSeconds is 604801; it must be between 1 and 604800 seconds (7 days)',
    );
    const disabled = sticky('{"enabled":false,"durationSeconds":0}');
    expect(disabled.map((f) => [f.rule, f.severity])).toEqual([['alb-stickiness-duration', 'warning']]);
  });

  it('LBC config_types.go status codes [AWS-side]', () => {
    const fixed = validateAction('{"type":"fixed-response","fixedResponseConfig":{"statusCode":"302"}}');
    expect(ruleIds(fixed)).toEqual(['alb-status-code']);
    const redirect = validateAction('{"type":"redirect","redirectConfig":{"statusCode":"301"}}');
    expect(ruleIds(redirect)).toEqual(['alb-status-code']);
    expect(redirect[0]?.message).toContain('neither "HTTP_301" nor "HTTP_302"');
  });
});

describe('LBC config_types.go servicePort must exist on a known Service', () => {
  it('LBC config_types.go unknown port number: LBC message', () => {
    const findings = validateAction(fwd(`${tg('canary-svc', 10, 8443)},${tg('stable-svc', 90)}`));
    expect(ruleIds(findings)).toEqual(['alb-service-port']);
    expect(findings[0]?.message).toMatch(
      /^unable to find port 8443 on service shop\/canary-svc \(forwardConfig\.targetGroups\[0\]\)\. /,
    );
    expect(findings[0]?.message).toContain('(443/https, 80/http)');
  });

  it('LBC config_types.go unknown port name', () => {
    const findings = validateAction(fwd(tg('canary-svc', 1, 'grpc')));
    expect(findings[0]?.message).toMatch(/^unable to find port grpc on service shop\/canary-svc/);
  });

  it('LBC config_types.go matches port or name, never targetPort; "080" is port 80', () => {
    expect(validateAction(fwd(`${tg('canary-svc', 1, 'http')},${tg('stable-svc', 1, '080')}`))).toEqual([]);
  });

  it('LBC config_types.go an unknown Service is not an error (GitOps may apply it later)', () => {
    expect(validateAction(fwd(tg('not-yet-applied', 1, 9999)))).toEqual([]);
  });

  it('LBC config_types.go an empty port name matches an unnamed Service port, as in LBC', () => {
    expect(validateAction(fwd(tg('unnamed', 1, '')))).toEqual([]);
    expect(ruleIds(validateAction(fwd(tg('unnamed', 1, 'http'))))).toEqual(['alb-service-port']);
  });

  it('LBC config_types.go ports are not checked for non-forward actions', () => {
    const raw = `{"type":"fixed-response","fixedResponseConfig":{"statusCode":"503"},"forwardConfig":{"targetGroups":[${tg('canary-svc', 1, 1)}]}}`;
    expect(validateAction(raw)).toEqual([]);
  });
});

describe('LBC config_types.go servicePort findings: severity, and no port check without a port', () => {
  it('LBC config_types.go a port the Service lacks is an error', () => {
    const findings = validateAction(fwd(tg('canary-svc', 1, 8443)));
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['alb-service-port', 'error', field(KEY)],
    ]);
  });

  it('LBC config_types.go a known Service without servicePort: only LBC`s "missing servicePort"', () => {
    const findings = validateAction(fwd('{"serviceName":"canary-svc","weight":1}'));
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['alb-target-group', 'error']]);
    expect(findings[0]?.message).toMatch(
      /^invalid ForwardConfig: invalid TargetGroupTuple: missing servicePort\. /,
    );
  });
});

describe('LBC config_types.go servicePort: only target groups that name a Service are looked up', () => {
  it('LBC config_types.go a targetGroupARN group with a servicePort is not looked up, even by a lookup that knows every name', () => {
    const anyName = () => ({ namespace: 'shop', name: 'any', ports: [{ port: 80, name: 'http' }] });
    const raw = fwd(
      '{"targetGroupARN":"arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/tg/1","servicePort":8080}',
    );
    const findings = validateAlbAnnotations(
      { namespace: 'shop', name: 'web', annotations: { [KEY]: raw }, backends: [backend()] },
      anyName,
    );
    expect(findings).toEqual([]);
  });
});
