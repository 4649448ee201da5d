import { describe, expect, it } from 'vitest';
import { P, backend, field, ruleIds, validate } from './check-helpers.js';

const ACTION =
  '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"canary-svc","servicePort":443}]}}';

describe('LBC parser.go annotation keys and prefix', () => {
  it('LBC parser.go an actions name of 55 characters fits, 56 does not', () => {
    const ok = 'a'.repeat(55);
    expect(validate({ [`${P}/actions.${ok}`]: ACTION }, [backend({ serviceName: ok })])).toEqual([]);
    const long = 'a'.repeat(56);
    const findings = validate({ [`${P}/actions.${long}`]: ACTION }, [backend({ serviceName: long })]);
    expect(ruleIds(findings)).toEqual(['alb-annotation-key']);
    expect(findings[0]?.message).toContain('name part must be no more than 63 characters (it has 64)');
    expect(findings[0]?.message).toContain('at most 55 characters');
  });

  it('LBC parser.go a conditions name may have at most 52 characters', () => {
    const long = 'a'.repeat(53);
    const findings = validate({ [`${P}/conditions.${long}`]: '[]' }, []);
    expect(findings[0]?.message).toContain('at most 52 characters');
  });

  it('LBC parser.go a key name ending in a dot is not a qualified name', () => {
    const findings = validate({ [`${P}/actions.web.`]: ACTION }, []);
    expect(ruleIds(findings)).toContain('alb-annotation-key');
  });

  it('LBC parser.go a prefix with a trailing slash gives a key with two slashes', () => {
    const findings = validate({ 'example.com//actions.web': ACTION }, [], {
      extraPrefixes: ['example.com/'],
    });
    expect(ruleIds(findings)).toEqual(['alb-annotation-key', 'alb-annotation-prefix']);
    expect(findings[0]?.message).toContain('at most one "/"');
  });

  it('LBC parser.go a use-annotation backend longer than 55 characters can never have its action', () => {
    const long = 'b'.repeat(60);
    const findings = validate({}, [backend({ serviceName: long })]);
    expect(ruleIds(findings)).toEqual(['alb-action-missing']);
    expect(findings[0]?.message).toContain('rename the backend to at most 55 characters');
  });

  it('LBC parser.go another prefix (Rollout annotationPrefix) is ignored by LBC v2/v3: warning', () => {
    const findings = validate(
      { [`custom.example.com/actions.web`]: ACTION, [`${P}/actions.web`]: ACTION },
      [backend()],
      {
        extraPrefixes: ['custom.example.com'],
      },
    );
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['alb-annotation-prefix', 'warning', field('custom.example.com/actions.web')],
    ]);
    expect(findings[0]?.message).toContain('reads only alb.ingress.kubernetes.io/actions.*');
    expect(findings[0]?.message).toContain('--annotations-prefix');
  });

  it('LBC parser.go keys under another prefix are checked too, as warnings', () => {
    const findings = validate(
      { 'custom/actions.web': '{"type":"forward"}', [`${P}/actions.web`]: ACTION },
      [backend()],
      {
        extraPrefixes: ['custom', P],
      },
    );
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ['alb-annotation-prefix', 'warning'],
      ['alb-action-config', 'warning'],
    ]);
    expect(findings[1]?.message).toContain('The controller ignores this prefix');
  });

  it('LBC parser.go keys under another prefix are not read without the option', () => {
    expect(validate({ 'custom/actions.web': 'not json', [`${P}/actions.web`]: ACTION })).toEqual([]);
  });

  it('LBC parser.go lookup is case-sensitive: an upper-case prefix is not the controller prefix', () => {
    const findings = validate({ 'ALB.ingress.kubernetes.io/actions.web': ACTION });
    expect(ruleIds(findings)).toEqual(['alb-action-missing']);
  });
});

describe('LBC enhanced_backend_builder.go linking paths to actions', () => {
  it('LBC enhanced_backend_builder.go use-annotation without actions.<name>: the controller answers 503', () => {
    const findings = validate({}, [backend({ host: 'a.example.com', path: '/api' })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      severity: 'error',
      rule: 'alb-action-missing',
      field: field(`${P}/actions.web`),
      host: 'a.example.com',
      path: '/api',
      ingress: 'shop/web',
    });
    expect(findings[0]?.message).toContain('fixed 503 response "Backend action does not exist"');
    expect(findings[0]?.message).toContain('missing actions.web configuration');
  });

  it('LBC enhanced_backend_builder.go the default backend can use an action too', () => {
    const findings = validate({}, [
      backend({ ruleIndex: -1, pathIndex: -1, host: undefined, path: undefined }),
    ]);
    expect(ruleIds(findings)).toEqual(['alb-action-missing']);
    expect(findings[0]?.host).toBeUndefined();
    expect(findings[0]?.message).toContain('the backend of the default backend');
    expect(validate({ [`${P}/actions.web`]: ACTION }, [backend({ ruleIndex: -1, pathIndex: -1 })])).toEqual(
      [],
    );
  });

  it('LBC enhanced_backend_builder.go the action existing only under a foreign prefix is named in the fix', () => {
    const findings = validate({ 'custom/actions.web': ACTION }, [backend()], { extraPrefixes: ['custom'] });
    const missing = findings.find((f) => f.rule === 'alb-action-missing');
    expect(missing?.message).toContain('the action exists only as custom/actions.web');
  });

  it('LBC enhanced_backend_builder.go port name use-annotation is case-sensitive', () => {
    const findings = validate({ [`${P}/actions.web`]: ACTION }, [backend({ portName: 'Use-Annotation' })]);
    expect(ruleIds(findings)).toEqual(['alb-use-annotation-case', 'alb-action-unused']);
    expect(findings[0]?.field).toBe('spec.rules[0].http.paths[0].backend.service.port.name');
  });

  it('LBC enhanced_backend_builder.go the port-name field follows the backend shape', () => {
    const wrongCase = { portName: 'USE-ANNOTATION' };
    const fields = validate({}, [
      backend({ ...wrongCase, ruleIndex: -1, pathIndex: -1 }),
      backend({ ...wrongCase, pathIndex: 3, legacyFields: true }),
    ]).map((f) => f.field);
    expect(fields).toEqual([
      'spec.defaultBackend.service.port.name',
      'spec.rules[0].http.paths[3].backend.servicePort',
    ]);
  });

  it('LBC enhanced_backend_builder.go an action no path uses: warning', () => {
    const findings = validate({ [`${P}/actions.web`]: ACTION, [`${P}/actions.spare`]: ACTION });
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['alb-action-unused', 'warning', field(`${P}/actions.spare`)],
    ]);
    expect(findings[0]?.message).toContain('no path of the Ingress has backend service "spare"');
  });

  it('LBC enhanced_backend_builder.go an action whose backend uses a Service port is not used either', () => {
    const findings = validate({ [`${P}/actions.web`]: ACTION }, [
      backend({ portName: undefined, portNumber: 80 }),
    ]);
    expect(ruleIds(findings)).toEqual(['alb-action-unused']);
    expect(findings[0]?.message).toContain('use a Service port, not port name "use-annotation"');
  });

  it('LBC enhanced_backend_builder.go the controller never reads an unused action: its problems are warnings', () => {
    const findings = validate({ [`${P}/actions.web`]: ACTION, [`${P}/actions.spare`]: '{"type":"forward"' });
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ['alb-annotation-json', 'warning'],
      ['alb-action-unused', 'warning'],
    ]);
    expect(findings[0]?.message).toContain('so the controller does not read it yet');
  });

  it('LBC enhanced_backend_builder.go conditions are read for any Service backend, so their problems are errors', () => {
    const key = `${P}/conditions.api`;
    const bad = '[{"field":"host-header"}]';
    const used = validate({ [key]: bad }, [
      backend({ serviceName: 'api', portName: 'http', host: undefined }),
    ]);
    expect(used.map((f) => [f.rule, f.severity])).toEqual([['alb-condition-invalid', 'error']]);
    const unused = validate({ [key]: bad }, []);
    expect(unused.map((f) => [f.rule, f.severity])).toEqual([['alb-condition-invalid', 'warning']]);
  });

  it('LBC enhanced_backend_builder.go resource backends and backends without a service name are skipped', () => {
    const findings = validate({}, [
      backend({ resource: true, serviceName: undefined, portName: undefined }),
      backend({ serviceName: undefined }),
    ]);
    expect(findings).toEqual([]);
  });

  it('LBC enhanced_backend_builder.go conditions are read for real Services too', () => {
    const findings = validate(
      { [`${P}/conditions.api`]: '[{"field":"host-header","hostHeaderConfig":{"regexValues":["x"]}}]' },
      [backend({ serviceName: 'api', portName: 'http' })],
    );
    expect(ruleIds(findings)).toEqual(['alb-condition-merge']);
  });
});

describe('LBC class_loader.go IngressGroup annotations', () => {
  const nameMsg =
    "invalid ingress group: groupName must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character. ";
  it.each([['Team-A'], ['-team'], ['team.'], [''], ['team_a']])(
    'LBC class_loader.go group.name %j is invalid',
    (name) => {
      const findings = validate({ [`${P}/group.name`]: name }, []);
      expect(ruleIds(findings)).toEqual(['alb-group-name']);
      expect(findings[0]?.field).toBe(field(`${P}/group.name`));
      expect(findings[0]?.message.startsWith(nameMsg)).toBe(true);
      expect(findings[0]?.message).toContain('FailedLoadGroupID');
    },
  );

  it('LBC class_loader.go group.name of 63 characters is fine, 64 is too long', () => {
    expect(validate({ [`${P}/group.name`]: 'a'.repeat(63) }, [])).toEqual([]);
    const findings = validate({ [`${P}/group.name`]: 'a'.repeat(64) }, []);
    expect(findings[0]?.message).toMatch(
      /^invalid ingress group: groupName must be no more than 63 characters\. /,
    );
  });

  it.each([['0'], ['-1000'], ['1000'], ['+5'], ['007']])(
    'LBC class_loader.go group.order %j is valid',
    (order) => {
      expect(validate({ [`${P}/group.order`]: order, [`${P}/group.name`]: 'shop.team-a' }, [])).toEqual([]);
    },
  );

  it.each([
    ['abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    [' 5', 'strconv.ParseInt: parsing " 5": invalid syntax'],
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['2147483648', 'strconv.ParseInt: parsing "2147483648": value out of range'],
    ['tab\there', 'strconv.ParseInt: parsing "tab\\there": invalid syntax'],
  ])('LBC class_loader.go group.order %j does not parse', (order, tail) => {
    const findings = validate({ [`${P}/group.order`]: order }, []);
    expect(ruleIds(findings)).toEqual(['alb-group-order']);
    expect(findings[0]?.message).toContain(
      `failed to load Ingress group order for ingress: shop/web: failed to parse int32 annotation, ${P}/group.order: ${order}: ${tail}. `,
    );
  });

  it.each([['1001'], ['-1001']])('LBC class_loader.go group.order %j is out of range', (order) => {
    const findings = validate({ [`${P}/group.order`]: order }, []);
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['alb-group-order', 'error', field(`${P}/group.order`)],
    ]);
    expect(findings[0]?.message).toMatch(
      new RegExp(
        `^explicit Ingress group order must be within \\[-1000:1000\\], Ingress: shop/web, order: ${order}\\. `,
      ),
    );
  });
});

describe('LBC annotation findings: severity and the consequence each states', () => {
  // Consequences written out by hand from src/routing/alb/verdicts.ts's two sentences: an
  // unparsable action fails the model build (LBC ingress/model_builder.go); an unparsable
  // conditions value is refused first by LBC's validating webhook (webhooks/networking).
  const BUILD = 'The AWS Load Balancer Controller would fail to build the load balancer for this Ingress';
  const WEBHOOK = "The controller's own validating webhook rejects this for Ingresses it manages";

  it('LBC parser.go an invalid key name is an error', () => {
    const findings = validate({ [`${P}/actions.web.`]: ACTION }, []);
    expect(findings[0]).toMatchObject({ rule: 'alb-annotation-key', severity: 'error' });
  });

  it('LBC ingress/model_builder.go an action that is not JSON: the model build fails', () => {
    const findings = validate({ [`${P}/actions.web`]: '{"type":' });
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['alb-annotation-json', 'error']]);
    expect(findings[0]?.message).toContain(`. ${BUILD}`);
    expect(findings[0]?.message).not.toContain(WEBHOOK);
    expect(findings[0]?.message).toMatch(
      /servicePort as a number or a port name, enabled as true\/false\)\.$/,
    );
  });

  it('LBC webhooks conditions that are not JSON: the controller`s webhook rejects them', () => {
    const findings = validate({ [`${P}/conditions.web`]: '[{' }, [backend({ portName: 'http' })]);
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['alb-annotation-json', 'error']]);
    expect(findings[0]?.message).toContain(`. ${WEBHOOK}`);
    expect(findings[0]?.message).not.toContain(BUILD);
    expect(findings[0]?.message).toContain('the value as a JSON array).');
  });

  it('LBC enhanced_backend_builder.go an action is read only for a use-annotation backend: on a Service port its problems are warnings', () => {
    const findings = validate({ [`${P}/actions.web`]: '{"type":' }, [backend({ portName: 'http' })]);
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ['alb-annotation-json', 'warning'],
      ['alb-action-unused', 'warning'],
    ]);
  });
});

describe('LBC parser.go which prefix a key belongs to, and the order of the findings', () => {
  it('LBC parser.go the longest matching prefix claims a key, whatever order the prefixes come in', () => {
    // A Rollout prefix that extends the controller's own actions head: its key is a foreign one
    // (warning), not an action named "team/actions.web" under the controller prefix. The key
    // itself has two "/", which the API server refuses (error) under either reading.
    const key = `${P}/actions.team/actions.web`;
    const findings = validate({ [key]: ACTION }, [], { extraPrefixes: [`${P}/actions.team`] });
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ['alb-annotation-key', 'error'],
      ['alb-annotation-prefix', 'warning'],
    ]);
    expect(findings[1]?.message).toContain(`uses the prefix "${P}/actions.team"`);
  });

  it('LBC parser.go findings follow the annotation keys in byte order, not the order they were written in', () => {
    const findings = validate({ [`${P}/actions.zeta`]: '{', [`${P}/actions.alpha`]: '{' }, [
      backend({ serviceName: 'zeta' }),
      backend({ serviceName: 'alpha', pathIndex: 1 }),
    ]);
    expect(findings.map((f) => f.field)).toEqual([field(`${P}/actions.alpha`), field(`${P}/actions.zeta`)]);
  });
});
