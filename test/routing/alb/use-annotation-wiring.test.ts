/**
 * The pieces of the ALB `use-annotation` wiring check that the Rollout-level tests reach only
 * through whole findings: the near-miss port names, the root-only path warning and the list of
 * other backends in "no rules using service".
 */
import { describe, expect, it } from 'vitest';
import {
  albIngressWiring,
  looksLikeUseAnnotation,
  otherBackends,
} from '../../../src/routing/alb/use-annotation-wiring.js';
import type { Ingress, IngressBackend } from '../../../src/routing/model.js';

function backend(fields: Partial<IngressBackend>, ruleIndex = 0): IngressBackend {
  return { ruleIndex, pathIndex: ruleIndex, legacyFields: false, resource: false, ...fields };
}

const ingress = (backends: IngressBackend[]): Ingress => ({
  namespace: 'shop',
  name: 'web',
  annotations: {},
  backends,
});

describe('looksLikeUseAnnotation', () => {
  it.each([
    // Only the letters compare equal: separators and case are ignored...
    ['u_s_e_annotation_', true],
    ['U_S_E_ANNOTATIONS', true],
    // ...or the name is at most two edits from use-annotation.
    ['use-anotatio', true],
    ['use-anotati', false],
    ['http', false],
  ])('%j: %s', (name, expected) => {
    expect(looksLikeUseAnnotation(name)).toBe(expected);
  });
});

describe('albIngressWiring: the root-only path warning', () => {
  const wired = (fields: Partial<IngressBackend>) =>
    albIngressWiring(
      ingress([backend({ serviceName: 'root', portName: 'use-annotation', ...fields })]),
      'root',
    );

  it('path "/" with pathType ImplementationSpecific (or none) matches only "/" on the ALB', () => {
    for (const pathType of ['ImplementationSpecific', undefined]) {
      expect(wired({ path: '/', pathType }).findings.map((f) => f.rule)).toEqual([
        'alb-path-matches-root-only',
      ]);
    }
  });

  it('path "/" with pathType Prefix or Exact is what it says', () => {
    for (const pathType of ['Prefix', 'Exact']) expect(wired({ path: '/', pathType }).findings).toEqual([]);
  });
});

describe('otherBackends', () => {
  const paths = (n: number) =>
    ingress(
      Array.from({ length: n }, (_, i) =>
        backend({ serviceName: `svc-${i}`, host: 'a.example.com', path: `/p${i}` }),
      ),
    );

  it('lists up to two, then says how many more', () => {
    expect(otherBackends(paths(2))).toBe(
      'Its paths route svc-0 at host "a.example.com" path "/p0"; svc-1 at host "a.example.com" path "/p1".',
    );
    expect(otherBackends(paths(3))).toBe(
      'Its paths route svc-0 at host "a.example.com" path "/p0"; svc-1 at host "a.example.com" path "/p1" and 1 more.',
    );
  });

  it('a backend without host or path shows "*" and "/"', () => {
    expect(otherBackends(ingress([backend({ serviceName: 'svc' })]))).toBe(
      'Its paths route svc at host "*" path "/".',
    );
  });
});

describe('albIngressWiring: which paths count, and how each is named', () => {
  const ROOT_PORT_80 = { serviceName: 'root', portNumber: 80 };

  it('the default backend is named as such; a rule path by host and path, "*" and "/" when absent', () => {
    const result = albIngressWiring(ingress([backend(ROOT_PORT_80, -1), backend(ROOT_PORT_80)]), 'root');
    expect(result.wired).toBe(false);
    expect(result.findings.map((f) => [f.rule, f.severity, f.message])).toEqual([
      [
        'alb-backend-port-number',
        'error',
        'Ingress "web" (spec.defaultBackend): port.number 80 makes the ALB forward straight to root:80 and ignore the weighted action, so the canary gets no traffic there. Replace port.number with port.name: use-annotation.',
      ],
      [
        'alb-backend-port-number',
        'error',
        'Ingress "web" (host "*", path "/"): port.number 80 makes the ALB forward straight to root:80 and ignore the weighted action, so the canary gets no traffic there. Replace port.number with port.name: use-annotation.',
      ],
    ]);
  });

  it('a use-annotation path of another Service neither wires this one nor is reported', () => {
    const result = albIngressWiring(
      ingress([
        backend({ serviceName: 'other', portName: 'use-annotation', path: '/' }),
        backend({ ...ROOT_PORT_80, path: '/api' }),
      ]),
      'root',
    );
    expect(result.wired).toBe(false);
    expect(result.findings.map((f) => [f.rule, f.severity, f.path])).toEqual([
      ['alb-backend-port-number', 'error', '/api'],
    ]);
  });

  it('a resource backend is no Service path, whatever it is called', () => {
    const resource = backend({ serviceName: 'root', portName: 'use-annotation', resource: true });
    expect(albIngressWiring(ingress([resource]), 'root')).toEqual({ wired: false, findings: [] });
  });

  it('only a rule path wires the Service: the default backend with use-annotation does not (Argo needs a rule)', () => {
    const result = albIngressWiring(
      ingress([backend({ serviceName: 'root', portName: 'use-annotation' }, -1)]),
      'root',
    );
    expect(result).toEqual({ wired: false, findings: [] });
  });

  it('the default backend never gets the root-only warning, whatever path it carries', () => {
    const result = albIngressWiring(
      ingress([
        backend({ serviceName: 'root', portName: 'use-annotation', path: '/' }, -1),
        backend({ serviceName: 'root', portName: 'use-annotation', path: '/*' }),
      ]),
      'root',
    );
    expect(result).toEqual({ wired: true, findings: [] });
  });
});

describe('otherBackends: Service backends only', () => {
  it('leaves out rule paths with a resource backend', () => {
    expect(
      otherBackends(ingress([backend({ resource: true, path: '/static' }), backend({ serviceName: 'svc' })])),
    ).toBe('Its paths route svc at host "*" path "/".');
  });
});
