// Exact messages, severities and boundaries of the annotation checks (mutation testing,
// issue 19): each expected text is written out from the check's documented wording.
import { describe, expect, it } from 'vitest';
import { P, backend, ruleIds, validate, validateAction } from './check-helpers.js';

const ACTION =
  '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"canary-svc","servicePort":443}]}}';
const withKey = (key: string, value: number | string = 1) =>
  `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"canary-svc","servicePort":443}]},${JSON.stringify(key)}:${JSON.stringify(value)}}`;

describe('unknown keys of an action', () => {
  it('a near miss is an error that names the key it resembles', () => {
    const unknown = validateAction(withKey('Typ')).find((f) => f.rule === 'alb-annotation-unknown-key');
    expect(unknown?.severity).toBe('error');
    expect(unknown?.message).toBe(
      'actions key "Typ" is not a field the AWS Load Balancer Controller knows: it drops the key and its value without a word. Did you mean "type"? Fix: write "type".',
    );
  });

  it('any other key is a warning whose fix lists the known keys', () => {
    const unknown = validateAction(withKey('zzzzzzzz')).find((f) => f.rule === 'alb-annotation-unknown-key');
    expect(unknown?.severity).toBe('warning');
    expect(unknown?.message).toMatch(
      /^actions key "zzzzzzzz" is not a field the AWS Load Balancer Controller knows: it drops the key and its value without a word\. Fix: use one of [^,]+(, [^,]+)+, or remove the key\.$/,
    );
  });

  it('quotes a key of 200 characters whole and cuts a longer one, counting what it left out', () => {
    const k200 = 'q'.repeat(200);
    const whole = validateAction(withKey(k200)).find((f) => f.rule === 'alb-annotation-unknown-key');
    expect(whole?.message).toContain(`actions key "${k200}" is not a field`);
    const k205 = 'q'.repeat(205);
    const cut = validateAction(withKey(k205)).find((f) => f.rule === 'alb-annotation-unknown-key');
    expect(cut?.message).toContain(`actions key "${k200}… (5 more characters)" is not a field`);
  });
});

describe('use-annotation backends', () => {
  it('a port name in another case is an error with the exact fix', () => {
    const findings = validate({ [`${P}/actions.web`]: ACTION }, [backend({ portName: 'Use-Annotation' })]);
    const wrongCase = findings.find((f) => f.rule === 'alb-use-annotation-case');
    expect(wrongCase?.severity).toBe('error');
    expect(wrongCase?.message).toMatch(
      /^the backend of .+ has port name "Use-Annotation"; the AWS Load Balancer Controller recognises only the exact, lower-case "use-annotation" and would look for a Service port of that name instead\. Fix: write "use-annotation"\.$/,
    );
  });

  it('a backend of 55 characters without its action is told to get one, 56 to be renamed', () => {
    const fixOf = (name: string) =>
      validate({}, [backend({ serviceName: name })]).find((f) => f.rule === 'alb-action-missing')?.message;
    const n55 = 'a'.repeat(55);
    expect(fixOf(n55)).toContain(
      `Fix: if a Rollout routes this path, name this Ingress in its trafficRouting.alb.ingress and leave ${P}/actions.${n55} to the Rollout (the webhook and the Rollouts controller write it); otherwise add the annotation ${P}/actions.${n55}, or point the path at a Service port.`,
    );
    expect(fixOf('a'.repeat(56))).toContain('Fix: rename the backend to at most 55 characters');
  });
});

describe('paths the rule checks skip', () => {
  it('a resource backend and the default backend are not checked for path patterns', () => {
    const wildcard = { path: '/a*', pathType: 'Exact' as const, serviceName: undefined, portName: undefined };
    expect(validate({}, [backend({ ...wildcard, resource: true })])).toEqual([]);
    expect(
      validate({}, [backend({ ...wildcard, ruleIndex: -1, serviceName: 'web', portName: 'http' })]),
    ).toEqual([]);
    // The same path on a rule's Service backend is reported.
    expect(
      ruleIds(validate({}, [backend({ ...wildcard, serviceName: 'web', portName: 'http' })])),
    ).not.toEqual([]);
  });
});
