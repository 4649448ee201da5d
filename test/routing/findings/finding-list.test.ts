/**
 * Field paths and places of Ingress findings: a rule path is `spec.rules[i].http.paths[j]` and
 * carries its host and path; the default backend is `spec.defaultBackend` and carries neither
 * (networking.k8s.io/v1 IngressSpec: the default backend belongs to no rule). Expected texts
 * are written out by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  FindingList,
  backendField,
  backendObjectField,
  describeRulePath,
} from '../../../src/routing/findings/index.js';
import type { IngressBackend } from '../../../src/routing/model.js';
import { parseIngress } from '../../../src/routing/wire/index.js';
import { parsedValue } from '../builders.js';

const ingress = parsedValue(
  parseIngress({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
      rules: [
        // No host (every host) and, on the second rule, no path (ImplementationSpecific).
        {
          http: {
            paths: [
              {
                path: '/api',
                pathType: 'Prefix',
                backend: { service: { name: 'api', port: { number: 80 } } },
              },
            ],
          },
        },
        {
          host: 'shop.example.com',
          http: {
            paths: [
              {
                pathType: 'ImplementationSpecific',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  }),
);
const byService = (name: string): IngressBackend => ingress.backends.find((b) => b.serviceName === name)!;

describe('Ingress backend field paths and descriptions', () => {
  it.each([
    ['fallback', 'spec.defaultBackend', 'spec.defaultBackend', 'the default backend'],
    ['api', 'spec.rules[0].http.paths[0]', 'spec.rules[0].http.paths[0].backend', 'rule host "" path "/api"'],
    [
      'web',
      'spec.rules[1].http.paths[0]',
      'spec.rules[1].http.paths[0].backend',
      'rule host "shop.example.com" path ""',
    ],
  ])('%s: %s, %s, %s', (service, field, objectField, description) => {
    const backend = byService(service);
    expect(String(backendField(backend))).toBe(field);
    expect(String(backendObjectField(backend))).toBe(objectField);
    expect(describeRulePath(backend)).toBe(description);
  });
});

describe('FindingList stamps the Ingress, and host and path only for a rule path', () => {
  const add = (backend?: IngressBackend) => {
    const list = new FindingList(ingress);
    list.add(
      'warning',
      'ingress-no-rule-for-service',
      backendField(backend ?? byService('api')),
      'm',
      backend,
    );
    return list.items;
  };

  it('a rule path gives its host and path', () => {
    const hosted = { ...byService('web'), path: '/shop' };
    expect(add(hosted)).toEqual([
      {
        severity: 'warning',
        rule: 'ingress-no-rule-for-service',
        field: 'spec.rules[1].http.paths[0]',
        message: 'm',
        ingress: 'shop/web',
        host: 'shop.example.com',
        path: '/shop',
      },
    ]);
  });

  it('the default backend gives neither, even when a caller fills them in', () => {
    const fallback = { ...byService('fallback'), host: 'h.example.com', path: '/p' };
    expect(add(fallback)).toEqual([
      {
        severity: 'warning',
        rule: 'ingress-no-rule-for-service',
        field: 'spec.defaultBackend',
        message: 'm',
        ingress: 'shop/web',
      },
    ]);
  });

  it('no backend: the Ingress only', () => {
    expect(add()).toEqual([
      {
        severity: 'warning',
        rule: 'ingress-no-rule-for-service',
        field: 'spec.rules[0].http.paths[0]',
        message: 'm',
        ingress: 'shop/web',
      },
    ]);
  });
});
