/**
 * Edges of the reference checks that the main table leaves open. Argo Rollouts reads only
 * spec.rules when it looks for the stable Service (argoproj/argo-rollouts v1.10.2,
 * pkg/apis/rollouts/validation/validation_references.go, and utils/ingress/ingress.go
 * HasRuleWithService), so a default backend never satisfies it; the note about the default
 * backend must appear only when that backend is the Service Argo looked for.
 * The NGINX backend-port rule and its message are as docs/validation.md describes
 * `nginx-backend-port-not-in-service`.
 */
import { describe, expect, it } from 'vitest';
import type { Service } from '../../../src/routing/model.js';
import { parseIngress, parseService } from '../../../src/routing/wire/index.js';
import { validateRolloutReferences } from '../../../src/routing/rollout-validation/index.js';
import {
  NGINX_CLASS,
  albCanary,
  clusterOf,
  healthyAlbCluster,
  ingressOf,
  nginxCanary,
  path,
  rolloutOf,
  serviceOf,
} from './fixtures.js';

describe('no rule for the stable Service, with a default backend', () => {
  it('on another Service: no default-backend note, the rule paths are described instead', () => {
    const ingress = parseIngress({
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        ingressClassName: 'alb',
        defaultBackend: { service: { name: 'web-canary', port: { name: 'use-annotation' } } },
      },
    }).value!;
    const findings = validateRolloutReferences(
      rolloutOf(albCanary()),
      healthyAlbCluster({ ingresses: [ingress] }),
    );
    expect(findings.filter((f) => f.rule === 'ingress-no-rule-for-service')).toEqual([
      {
        severity: 'error',
        rule: 'ingress-no-rule-for-service',
        field: 'spec.strategy.canary.trafficRouting.alb.ingress',
        message:
          'spec.strategy.canary.trafficRouting.alb.ingress: Invalid value: "web": ingress `web` has no rules using service web-stable backend. It has no rule paths with a Service backend. Route a path to backend.service.name web-stable with port.name use-annotation.',
        ingress: 'web',
      },
    ]);
  });
});

describe('NGINX: the stable Ingress backend port must be one the Service declares', () => {
  const RULE = 'nginx-backend-port-not-in-service';
  const portFindings = (port: Record<string, unknown>, stable: Service) =>
    validateRolloutReferences(
      rolloutOf(nginxCanary()),
      clusterOf({
        ingresses: [
          ingressOf('web', [path('web-stable', port), path('other', { number: 9 }, '/other')], {
            className: 'nginx',
            host: 'shop.example.com',
          }),
        ],
        services: [stable, serviceOf('web-canary', [80])],
        classes: [NGINX_CLASS],
      }),
    ).filter((f) => f.rule === RULE);
  const finding = (kind: 'number' | 'name', shown: string, has: string) => ({
    severity: 'error',
    rule: RULE,
    field: `spec.rules[0].http.paths[0].backend.service.port.${kind}`,
    message: `Ingress "web" rule host "shop.example.com" path "/*": ${shown} is not a port of Service "web-stable" (it has: ${has}), so ingress-nginx finds no endpoints for this path and answers 503, in the stable Ingress and in the canary Ingress Argo Rollouts copies from it. Fix: set port.${kind} to a port the Service declares.`,
    ingress: 'web',
    host: 'shop.example.com',
    path: '/*',
  });
  const unnamed = parseService({
    metadata: { name: 'web-stable', namespace: 'shop' },
    spec: { ports: [{ port: 80 }, { name: 'admin', port: 9090 }] },
  }).value!;

  it('a declared number or name: no finding (the path on another Service is not checked)', () => {
    expect(portFindings({ number: 80 }, serviceOf('web-stable', [80, 443]))).toEqual([]);
    expect(portFindings({ name: 'p443' }, serviceOf('web-stable', [80, 443]))).toEqual([]);
  });

  it('an undeclared number lists the declared numbers', () => {
    expect(portFindings({ number: 8080 }, serviceOf('web-stable', [80, 443]))).toEqual([
      finding('number', 'port.number 8080', '80, 443'),
    ]);
  });

  it('an undeclared name lists the declared names, an unnamed port by its number', () => {
    expect(portFindings({ name: 'http' }, unnamed)).toEqual([
      finding('name', 'port.name "http"', '(unnamed 80), admin'),
    ]);
  });

  it('a Service without ports says none', () => {
    expect(portFindings({ number: 80 }, serviceOf('web-stable', []))).toEqual([
      finding('number', 'port.number 80', 'none'),
    ]);
  });
});
