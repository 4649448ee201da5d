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
import { parseIngress, parseRollout, parseService } from '../../../src/routing/wire/index.js';
import { parsedValue } from '../builders.js';
import { validateRolloutReferences } from '../../../src/routing/rollout-validation/index.js';
import {
  NGINX_CLASS,
  albCanary,
  classOf,
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

describe('reference edges found by mutation testing', () => {
  const rules = (findings: { rule: string }[]) => findings.map((f) => f.rule);

  it('an Ingress listed twice is reported at its first index', () => {
    const findings = validateRolloutReferences(
      rolloutOf(
        albCanary({ trafficRouting: { alb: { ingresses: ['web', 'gone', 'gone'], servicePort: 80 } } }),
      ),
      healthyAlbCluster(),
    ).filter((f) => f.rule === 'ingress-not-found');
    const field = 'spec.strategy.canary.trafficRouting.alb.ingresses[1]';
    expect(findings.map((f) => [f.field, f.message])).toEqual([
      [
        field,
        `Ingress "gone" does not exist in namespace shop yet (${field}); Argo Rollouts will report InvalidSpec until it is created. Ignore this if your GitOps tool is still applying it.`,
      ],
    ]);
  });

  it('the classes of the flag are listed comma-separated', () => {
    const cluster = clusterOf({
      ingresses: [ingressOf('web', [path('web-stable', { number: 80 })], { className: 'internal' })],
      services: [serviceOf('web-stable', [80]), serviceOf('web-canary', [80])],
      classes: [classOf('internal', 'k8s.io/ingress-nginx')],
    });
    const findings = validateRolloutReferences(rolloutOf(nginxCanary()), cluster, {
      rolloutsNginxIngressClasses: ['nginx', 'public'],
    });
    expect(findings.map((f) => f.message)).toEqual([
      'Ingress "web": Argo Rollouts skips it, as class "internal" is not in --nginx-ingress-classes (nginx, public), so edits to it reach the canary Ingress only on the next Rollout change (it reads the annotation, then spec.ingressClassName, never the default IngressClass). Add the class to the flag.',
    ]);
  });

  it('NGINX: a stable Service not in the cluster gets the not-found warning, and no port check', () => {
    const cluster = clusterOf({
      ingresses: [ingressOf('web', [path('web-stable', { name: 'http' })], { className: 'nginx' })],
      services: [serviceOf('web-canary', [80])],
      classes: [NGINX_CLASS],
    });
    expect(rules(validateRolloutReferences(rolloutOf(nginxCanary()), cluster))).toEqual([
      'service-not-found',
    ]);
  });

  it('NGINX: paths to other Services and a backend without a port get no port finding', () => {
    const cluster = clusterOf({
      ingresses: [
        ingressOf(
          'web',
          [
            path('web-stable', { number: 80 }),
            path('other', { number: 9 }, '/other'),
            { path: '/bare', pathType: 'Prefix', backend: { service: { name: 'web-stable' } } },
          ],
          { className: 'nginx' },
        ),
      ],
      services: [serviceOf('web-stable', [80]), serviceOf('web-canary', [80])],
      classes: [NGINX_CLASS],
    });
    expect(validateRolloutReferences(rolloutOf(nginxCanary()), cluster)).toEqual([]);
  });

  it('NGINX without a stableService: no Service to look for in the Ingress', () => {
    const cluster = clusterOf({
      ingresses: [ingressOf('web', [path('web-stable', { number: 80 })], { className: 'nginx' })],
      services: [serviceOf('web-stable', [80]), serviceOf('web-canary', [80])],
      classes: [NGINX_CLASS],
    });
    const canary = nginxCanary();
    delete canary.stableService;
    expect(rules(validateRolloutReferences(rolloutOf(canary), cluster))).toEqual([]);
  });

  it('ALB: a stable Service without alb.servicePort is named as the stableService', () => {
    const findings = validateRolloutReferences(
      rolloutOf(albCanary()),
      healthyAlbCluster({ services: [serviceOf('web-stable', [8080]), serviceOf('web-canary', [80])] }),
    ).filter((f) => f.rule === 'service-lacks-alb-port');
    expect(findings.map((f) => f.message)).toEqual([
      'Service "web-stable" (stableService) has no port 80 (it has: 8080), so the AWS Load Balancer Controller fails with "unable to find port 80 on service shop/web-stable". Set alb.servicePort to a port of the Service.',
    ]);
  });

  it('selector labels missing from the pods are reported in label order', () => {
    const rollout = parsedValue(
      parseRollout({
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          strategy: { canary: albCanary() },
          template: { metadata: { labels: { app: 'web' } } },
        },
      }),
    );
    const stable = parsedValue(
      parseService({
        metadata: { name: 'web-stable', namespace: 'shop' },
        spec: { ports: [{ name: 'p80', port: 80 }], selector: { zone: 'a', app: 'web', tier: 'front' } },
      }),
    );
    const findings = validateRolloutReferences(
      rollout,
      healthyAlbCluster({ services: [stable, serviceOf('web-canary', [80])] }),
    ).filter((f) => f.rule === 'service-selector-mismatch');
    expect(findings.map((f) => f.message.slice(f.message.indexOf('It selects')))).toEqual([
      `It selects tier="front" but the pods have no label tier (spec.template.metadata.labels), so its target group would be empty. Make the Service's spec.selector match the Rollout's pod labels.`,
      `It selects zone="a" but the pods have no label zone (spec.template.metadata.labels), so its target group would be empty. Make the Service's spec.selector match the Rollout's pod labels.`,
    ]);
  });
});
