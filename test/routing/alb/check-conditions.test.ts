import { describe, expect, it } from 'vitest';
import { parseAlbConditions } from '../../../src/routing/alb/parse-annotations.js';
import type { IngressBackend } from '../../../src/routing/model.js';
import { P, backend, field, ruleIds, validate } from './check-helpers.js';

const CKEY = `${P}/conditions.web`;
const ACTION =
  '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"canary-svc","servicePort":443}]}}';
const withConditions = (
  conditions: unknown[] | string,
  backends = [backend()],
  extra: Record<string, string> = {},
) =>
  validate(
    {
      [`${P}/actions.web`]: ACTION,
      [CKEY]: typeof conditions === 'string' ? conditions : JSON.stringify(conditions),
      ...extra,
    },
    backends,
  );

describe('LBC config_types.go controller validation of conditions (exact messages)', () => {
  const cases: [string, unknown, string][] = [
    ['host-header without config', { field: 'host-header' }, 'missing hostHeaderConfig'],
    ['path-pattern without config', { field: 'path-pattern' }, 'missing pathPatternConfig'],
    ['http-header without config', { field: 'http-header' }, 'missing httpHeaderConfig'],
    [
      'http-request-method without config',
      { field: 'http-request-method' },
      'missing httpRequestMethodConfig',
    ],
    ['query-string without config', { field: 'query-string' }, 'missing queryStringConfig'],
    ['source-ip without config', { field: 'source-ip' }, 'missing sourceIPConfig'],
    [
      'host-header with no values',
      { field: 'host-header', hostHeaderConfig: {} },
      'invalid hostHeaderConfig: values or regexValues must be specified',
    ],
    [
      'path-pattern with both',
      { field: 'path-pattern', pathPatternConfig: { values: ['/a'], regexValues: ['^/b'] } },
      'invalid pathPatternConfig: precisely one of values and regexValues can be specified',
    ],
    [
      'http-header with both',
      { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'x', values: ['a'], regexValues: ['b'] } },
      'invalid httpHeaderConfig: precisely one of values and regexValues can be specified',
    ],
    [
      'http-header with neither',
      { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'x' } },
      'invalid httpHeaderConfig: values or regexValues must be specified',
    ],
    [
      'http-request-method with empty values',
      { field: 'http-request-method', httpRequestMethodConfig: { values: [] } },
      'invalid httpRequestMethodConfig: values cannot be empty',
    ],
    [
      'source-ip with empty values',
      { field: 'source-ip', sourceIPConfig: {} },
      'invalid sourceIPConfig: values cannot be empty',
    ],
    [
      'query-string with no pairs',
      { field: 'query-string', queryStringConfig: { values: [] } },
      'invalid queryStringConfig: Values cannot be empty',
    ],
    [
      'query-string with an empty value',
      { field: 'query-string', queryStringConfig: { values: [{ key: 'a' }] } },
      'invalid queryStringConfig: value cannot be empty',
    ],
  ];
  for (const [name, condition, message] of cases) {
    it(`LBC config_types.go ${name}`, () => {
      const findings = withConditions([condition]);
      expect(ruleIds(findings)).toEqual(['alb-condition-invalid']);
      expect(findings[0]).toMatchObject({ severity: 'error', field: field(CKEY) });
      expect(findings[0]?.message.startsWith(`${message} (condition 0). `)).toBe(true);
    });
  }

  it('LBC config_types.go valid conditions of all six fields (sourceIpConfig in docs casing)', () => {
    const findings = withConditions([
      { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'x-canary', values: ['yes'] } },
      { Field: 'source-ip', sourceIpConfig: { Values: ['10.0.0.0/8'] } },
    ]);
    expect(findings).toEqual([]);
    const more = withConditions([
      { field: 'http-request-method', httpRequestMethodConfig: { values: ['GET'] } },
      { field: 'query-string', queryStringConfig: { values: [{ key: 'v', value: '2' }] } },
    ]);
    expect(more).toEqual([]);
  });

  it('LBC config_types.go decoding keeps the six config shapes', () => {
    const raw =
      '[{"field":"host-header","hostHeaderConfig":{"values":["a.example.com"]}},{"field":"query-string","queryStringConfig":{"values":[{"value":"x"}]}}]';
    expect(parseAlbConditions(CKEY, raw)).toEqual({
      value: [
        { field: 'host-header', hostHeaderConfig: { values: ['a.example.com'] } },
        { field: 'query-string', queryStringConfig: { values: [{ value: 'x' }] } },
      ],
    });
  });

  it('LBC config_types.go unknown field is silently dropped by LBC: error', () => {
    const findings = withConditions([{ field: 'cookie', values: ['a'] }]);
    // `values` is no RuleCondition field either (far from every one: a warning listing them).
    expect(ruleIds(findings)).toEqual(['alb-annotation-unknown-key', 'alb-condition-field']);
    expect(findings[0]?.severity).toBe('warning');
    expect(findings[0]?.message).toContain('conditions key "values" is not a field');
    expect(findings[0]?.message).toContain('Fix: use one of field, hostHeaderConfig');
    expect(findings[1]?.message).toContain('condition 0 has field "cookie"');
    expect(findings[1]?.message).toContain('drops such a condition without a word');
  });

  it('LBC config_types.go missing field is silently dropped too; a case variant gets a hint', () => {
    expect(ruleIds(withConditions([{ hostHeaderConfig: { values: ['a'] } }]))).toEqual([
      'alb-condition-field',
    ]);
    const findings = withConditions([{ field: 'Host-Header', hostHeaderConfig: { values: ['a'] } }]);
    expect(findings[0]?.message).toContain('field is case-sensitive: write "host-header"');
  });

  it('LBC config_types.go parse errors of conditions', () => {
    const findings = withConditions('{"field":"host-header"}');
    expect(ruleIds(findings)).toEqual(['alb-annotation-json']);
    expect(findings[0]?.message).toContain(
      `failed to parse json annotation, ${CKEY}: {"field":"host-header"}: json: cannot unmarshal object into Go value of type []ingress.RuleCondition`,
    );
    expect(findings[0]?.message).toContain('as a JSON array');
  });

  it('LBC config_types.go two http-request-method conditions in one rule [AWS-side]', () => {
    const method = { field: 'http-request-method', httpRequestMethodConfig: { values: ['GET'] } };
    const findings = withConditions([method, method]);
    expect(ruleIds(findings)).toEqual(['alb-condition-duplicate']);
    expect(findings[0]?.message).toContain('2 http-request-method conditions; an ALB rule takes at most one');
  });
});

describe('LBC config_types.go host and path merge with the Ingress rule', () => {
  it('LBC config_types.go host-header regexValues with a rule host: LBC build error', () => {
    const findings = withConditions([
      { field: 'host-header', hostHeaderConfig: { regexValues: ['^.*\\.example\\.com$'] } },
    ]);
    expect(ruleIds(findings)).toEqual(['alb-condition-merge']);
    expect(findings[0]).toMatchObject({ host: 'shop.example.com', path: '/', field: field(CKEY) });
    expect(findings[0]?.message).toMatch(
      /^host condition must specify exactly one of Values and RegexValues, got both Values \[shop\.example\.com\] and RegexValues \[\^\.\*\\\.example\\\.com\$\]\. /,
    );
  });

  it('LBC config_types.go host-header regexValues without a rule host is fine', () => {
    const findings = withConditions(
      [{ field: 'host-header', hostHeaderConfig: { regexValues: ['^a$'] } }],
      [backend({ host: undefined })],
    );
    expect(findings).toEqual([]);
  });

  it('LBC config_types.go path-pattern values with a regex path (use-regex-path-match): LBC build error', () => {
    const findings = withConditions(
      [{ field: 'path-pattern', pathPatternConfig: { values: ['/a'] } }],
      [backend({ path: '/api/v[0-9]+', pathType: 'ImplementationSpecific' })],
      { [`${P}/use-regex-path-match`]: 'true' },
    );
    expect(ruleIds(findings)).toEqual(['alb-condition-merge']);
    expect(findings[0]?.message).toMatch(
      /^path condition must specify exactly one of Values and RegexValues, got both Values \[\/a\] and RegexValues \[api\/v\[0-9\]\+\]\. /,
    );
  });

  it('LBC config_types.go at most 3 values per merged condition [AWS-side]', () => {
    const findings = withConditions(
      [
        {
          field: 'host-header',
          hostHeaderConfig: { values: ['a.example.com', 'b.example.com', 'c.example.com'] },
        },
      ],
      [backend({ path: '/x', pathType: 'Exact' })],
    );
    expect(ruleIds(findings)).toEqual(['alb-condition-values']);
    expect(findings[0]?.message).toContain(
      'the host-header condition of this rule has 4 values [shop.example.com a.example.com b.example.com c.example.com]',
    );
  });

  it('LBC config_types.go at most 3 values in other conditions too', () => {
    const findings = withConditions(
      [{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'x-a', values: ['1', '2', '3', '4'] } }],
      [backend({ host: undefined, path: undefined })],
    );
    expect(ruleIds(findings)).toEqual(['alb-condition-values']);
    expect(findings[0]?.message).toContain('http-header "x-a" condition of this rule has 4 values');
  });

  it('LBC config_types.go at most 5 values per rule, counting host and the expanded Prefix path [AWS-side]', () => {
    // host (1) + Prefix /api -> /api, /api/* (2) + header (2) = 5: fine
    const header = (values: string[]) => ({
      field: 'http-header',
      httpHeaderConfig: { httpHeaderName: 'x', values },
    });
    expect(withConditions([header(['1', '2'])], [backend({ path: '/api' })])).toEqual([]);
    // ... + a query-string pair = 6
    const findings = withConditions(
      [
        header(['1', '2']),
        { field: 'query-string', queryStringConfig: { values: [{ key: 'k', value: 'v' }] } },
      ],
      [backend({ path: '/api' })],
    );
    expect(ruleIds(findings)).toEqual(['alb-rule-values']);
    expect(findings[0]?.message).toContain(
      'this rule has 6 match values in all (host-header: 1, path-pattern: 2, http-header "x": 2, query-string: 1)',
    );
  });

  it('LBC config_types.go a Prefix path "/" expands to one value /*', () => {
    const four = {
      field: 'source-ip',
      sourceIPConfig: { values: ['10.0.0.0/8', '10.1.0.0/16', '10.2.0.0/16'] },
    };
    // host 1 + "/*" 1 + 3 = 5: fine
    expect(withConditions([four], [backend({ path: '/' })])).toEqual([]);
  });

  it('LBC config_types.go without host or path the rule matches /* (one value)', () => {
    const header = {
      field: 'http-header',
      httpHeaderConfig: { httpHeaderName: 'x', values: ['1', '2', '3'] },
    };
    const method = { field: 'http-request-method', httpRequestMethodConfig: { values: ['GET', 'POST'] } };
    expect(withConditions([header, method], [backend({ host: undefined, path: undefined })])).toEqual([]);
  });

  it('LBC config_types.go conditions are checked per rule path that uses the backend', () => {
    const cond = [{ field: 'host-header', hostHeaderConfig: { regexValues: ['^a$'] } }];
    const findings = withConditions(cond, [
      backend({ host: 'one.example.com' }),
      backend({ ruleIndex: 1, host: undefined }),
      backend({ ruleIndex: 2, host: 'two.example.com' }),
    ]);
    expect(findings.map((f) => f.host)).toEqual(['one.example.com', 'two.example.com']);
  });
});

describe('LBC config_types.go wildcard paths', () => {
  it('LBC config_types.go Exact path with * is an LBC build error', () => {
    const findings = validate({}, [
      backend({ serviceName: 'svc', portName: 'http', path: '/a*', pathType: 'Exact' }),
    ]);
    expect(ruleIds(findings)).toEqual(['alb-path-pattern']);
    expect(findings[0]).toMatchObject({ field: 'spec.rules[0].http.paths[0].path', path: '/a*' });
    expect(findings[0]?.message).toMatch(/^exact path shouldn't contain wildcards: \/a\*\. /);
  });

  it('LBC config_types.go Prefix path with ? is an LBC build error', () => {
    const findings = validate({}, [
      backend({ serviceName: 'svc', portName: 'http', path: '/a?', pathType: 'Prefix' }),
    ]);
    expect(findings[0]?.message).toMatch(/^prefix path shouldn't contain wildcards: \/a\?\. /);
  });

  it('LBC config_types.go ImplementationSpecific wildcards are fine; a missing pathType means ImplementationSpecific', () => {
    expect(
      validate({}, [backend({ serviceName: 'svc', portName: 'http', path: '/a/*', pathType: undefined })]),
    ).toEqual([]);
  });

  it('LBC config_types.go an unsupported pathType', () => {
    const findings = validate({}, [
      backend({ serviceName: 'svc', portName: 'http', path: '/a', pathType: 'Glob' }),
    ]);
    expect(findings[0]?.message).toMatch(/^unsupported pathType: Glob\. /);
  });
});

/**
 * Expected values follow kubernetes-sigs/aws-load-balancer-controller v2.17.1,
 * pkg/ingress/model_build_listener_rules.go: buildRuleConditions merges the rule's host and
 * path into the host-header and path-pattern conditions; buildPathPatterns turns an Exact or
 * ImplementationSpecific path into itself, a Prefix path "/" into "/*" and any other Prefix
 * path (one trailing "/" trimmed) into "<path>" and "<path>/*"; the other fields are built from
 * their own config only. Each row's value list is what the per-condition limit message shows.
 */
describe('LBC model_build_listener_rules.go values of each merged condition, as the limit message lists them', () => {
  const pathValues = (values: string[]) => ({ field: 'path-pattern', pathPatternConfig: { values } });
  const cases: [string, Partial<IngressBackend>, unknown[], string][] = [
    [
      'an ImplementationSpecific path is one value, as written',
      { path: '/api', pathType: 'ImplementationSpecific' },
      [pathValues(['/x', '/y', '/z'])],
      'the path-pattern condition of this rule has 4 values [/api /x /y /z]',
    ],
    [
      'an Exact path is one value, as written',
      { path: '/api', pathType: 'Exact' },
      [pathValues(['/x', '/y', '/z'])],
      'the path-pattern condition of this rule has 4 values [/api /x /y /z]',
    ],
    [
      'the Prefix path "/" is the one value /*',
      { path: '/', pathType: 'Prefix' },
      [pathValues(['/x', '/y', '/z'])],
      'the path-pattern condition of this rule has 4 values [/* /x /y /z]',
    ],
    [
      'a Prefix path is itself and itself/*',
      { path: '/api', pathType: 'Prefix' },
      [pathValues(['/x', '/y'])],
      'the path-pattern condition of this rule has 4 values [/api /api/* /x /y]',
    ],
    [
      'a Prefix path with a trailing "/" loses it first',
      { path: '/api/', pathType: 'Prefix' },
      [pathValues(['/x', '/y'])],
      'the path-pattern condition of this rule has 4 values [/api /api/* /x /y]',
    ],
    [
      'http-request-method values',
      { path: undefined },
      [
        {
          field: 'http-request-method',
          httpRequestMethodConfig: { values: ['GET', 'POST', 'PUT', 'PATCH'] },
        },
      ],
      'the http-request-method condition of this rule has 4 values [GET POST PUT PATCH]',
    ],
    [
      'source-ip values',
      { path: undefined },
      [
        {
          field: 'source-ip',
          sourceIPConfig: { values: ['10.0.0.0/8', '10.1.0.0/16', '::1/128', '192.0.2.0/24'] },
        },
      ],
      'the source-ip condition of this rule has 4 values [10.0.0.0/8 10.1.0.0/16 ::1/128 192.0.2.0/24]',
    ],
    [
      'query-string pairs, shown key=value, or the value alone when the pair has no key',
      { path: undefined },
      [
        {
          field: 'query-string',
          queryStringConfig: {
            values: [{ key: 'a', value: '1' }, { value: '2' }, { key: 'b', value: '3' }, { value: '4' }],
          },
        },
      ],
      'the query-string condition of this rule has 4 values [a=1 2 b=3 4]',
    ],
    [
      'http-header regexValues (LBC does not require a header name: it shows as "")',
      { path: undefined },
      [{ field: 'http-header', httpHeaderConfig: { regexValues: ['^a', '^b', '^c', '^d'] } }],
      'the http-header "" condition of this rule has 4 values [^a ^b ^c ^d]',
    ],
  ];
  for (const [name, over, conditions, message] of cases) {
    it(`LBC model_build_listener_rules.go ${name}`, () => {
      const findings = withConditions(conditions, [backend({ host: undefined, ...over })]);
      expect(ruleIds(findings)).toEqual(['alb-condition-values']);
      expect(findings[0]).toMatchObject({ severity: 'error', field: field(CKEY) });
      expect(findings[0]?.message.startsWith(`${message} (after merging`)).toBe(true);
    });
  }

  it('LBC model_build_listener_rules.go the rule total lists only conditions that have values (no host: no host-header)', () => {
    const findings = withConditions(
      [
        { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'x', values: ['1', '2', '3'] } },
        { field: 'http-request-method', httpRequestMethodConfig: { values: ['GET'] } },
      ],
      [backend({ host: undefined, path: '/api', pathType: 'Prefix' })],
    );
    expect(ruleIds(findings)).toEqual(['alb-rule-values']);
    expect(findings[0]).toMatchObject({ severity: 'error', field: field(CKEY), path: '/api' });
    expect(findings[0]?.message).toContain(
      'this rule has 6 match values in all (path-pattern: 2, http-header "x": 3, http-request-method: 1)',
    );
  });

  it('LBC model_build_listener_rules.go a condition is built from the config of its own field only', () => {
    // LBC switches on Field: a pathPatternConfig on an http-header condition is never read.
    const stray = {
      field: 'http-header',
      httpHeaderConfig: { httpHeaderName: 'x', values: ['1'] },
      pathPatternConfig: { values: ['/a', '/b', '/c'] },
    };
    expect(withConditions([stray], [backend({ host: undefined, path: '/x', pathType: 'Exact' })])).toEqual(
      [],
    );
  });

  it('LBC model_build_listener_rules.go a host or path clash stops the rule checks (LBC returns the error)', () => {
    const findings = withConditions([
      { field: 'host-header', hostHeaderConfig: { regexValues: ['^a$', '^b$', '^c$'] } },
    ]);
    expect(ruleIds(findings)).toEqual(['alb-condition-merge']);
    expect(findings[0]?.severity).toBe('error');
    expect(findings[0]?.message).toContain(
      'Fix: use values (not regexValues) in the host-header condition, or move the match out of the Ingress rule.',
    );
    const path = withConditions(
      [{ field: 'path-pattern', pathPatternConfig: { values: ['/a'] } }],
      [backend({ path: '/api', pathType: 'ImplementationSpecific' })],
      { [`${P}/use-regex-path-match`]: 'true' },
    );
    expect(path[0]?.message).toContain(
      "The controller merges the Ingress rule's path into this path condition.",
    );
    expect(path[0]?.message).toContain('Fix: use values (not regexValues) in the path-pattern condition');
  });
});

describe('LBC config_types.go findings: severity and the full fix', () => {
  it('LBC config_types.go an unknown field far from every known one lists them all', () => {
    const findings = withConditions([{ field: 'cookie' }]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'alb-condition-field', severity: 'error' });
    expect(findings[0]?.message).toContain(
      'Fix: set field to one of host-header, http-header, http-request-method, path-pattern, query-string, source-ip.',
    );
  });

  it('LBC config_types.go QueryStringConditionConfig.validate: one empty value among others', () => {
    const findings = withConditions([
      { field: 'query-string', queryStringConfig: { values: [{ key: 'a', value: '1' }, { key: 'b' }] } },
    ]);
    expect(ruleIds(findings)).toEqual(['alb-condition-invalid']);
    expect(findings[0]?.message).toMatch(
      /^invalid queryStringConfig: value cannot be empty \(condition 0\)\. /,
    );
  });

  it('LBC config_types.go two source-ip conditions in one rule are an error [AWS-side]', () => {
    const ip = { field: 'source-ip', sourceIPConfig: { values: ['10.0.0.0/8'] } };
    const findings = withConditions([ip, ip]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'alb-condition-duplicate',
      severity: 'error',
      field: field(CKEY),
    });
    expect(findings[0]?.message).toMatch(
      /^2 source-ip conditions; an ALB rule takes at most one source-ip condition\. /,
    );
  });
});
