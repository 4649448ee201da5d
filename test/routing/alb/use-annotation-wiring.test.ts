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
