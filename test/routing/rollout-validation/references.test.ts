import { describe, expect, it } from 'vitest';
import { looksLikeUseAnnotation } from '../../../src/routing/alb/use-annotation-wiring.js';
import type { Finding, Ingress } from '../../../src/routing/model.js';
import { parseIngress } from '../../../src/routing/wire/index.js';
import { validateRollout, validateRolloutReferences } from '../../../src/routing/rollout-validation/index.js';
import {
  ALB_CLASS,
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

const HOST = 'shop.example.com';
const albIngress = (paths: Record<string, unknown>[], name = 'web') =>
  ingressOf(name, paths, { className: 'alb', host: HOST });
const refs = (canary: Record<string, unknown>, ingresses: Ingress[]) =>
  validateRolloutReferences(rolloutOf(canary), healthyAlbCluster({ ingresses }));
const only = (findings: Finding[], rule: string) => findings.filter((f) => f.rule === rule);

describe('validateRolloutReferences: ALB use-annotation wiring LBC enhanced_backend_builder.go)', () => {
  it('a correctly wired Rollout has no findings', () => {
    expect(validateRolloutReferences(rolloutOf(albCanary()), healthyAlbCluster())).toEqual([]);
  });

  it('P3: a numeric port bypasses the weighted action', () => {
    expect(refs(albCanary(), [albIngress([path('web-stable', { number: 80 })])])).toEqual([
      {
        severity: 'error',
        rule: 'alb-backend-port-number',
        field: 'spec.rules[0].http.paths[0].backend.service.port.number',
        message:
          'Ingress "web" (host "shop.example.com", path "/*"): port.number 80 makes the ALB forward straight to web-stable:80 and ignore the weighted action, so the canary gets no traffic there. Replace port.number with port.name: use-annotation.',
        ingress: 'web',
        host: HOST,
        path: '/*',
      },
    ]);
  });

  it.each(['use-annotations', 'useannotation', 'Use-Annotation', 'use_annotation', 'use-anotation'])(
    'P3: misspelt port name %s',
    (name) => {
      expect(refs(albCanary(), [albIngress([path('web-stable', { name })])])).toEqual([
        {
          severity: 'error',
          rule: 'alb-backend-port-name-misspelt',
          field: 'spec.rules[0].http.paths[0].backend.service.port.name',
          message: `Ingress "web" (host "shop.example.com", path "/*"): port.name "${name}" is not "use-annotation" (exact, lowercase, singular), so the ALB looks for a Service port of that name and ignores the weighted action. Change it to use-annotation.`,
          ingress: 'web',
          host: HOST,
          path: '/*',
        },
      ]);
    },
  );

  it('P3: a real port name forwards straight to the Service', () => {
    const [f] = refs(albCanary(), [albIngress([path('web-stable', { name: 'http' })])]);
    expect(f).toMatchObject({
      severity: 'error',
      rule: 'alb-backend-port-not-use-annotation',
      field: 'spec.rules[0].http.paths[0].backend.service.port',
      message:
        'Ingress "web" (host "shop.example.com", path "/*"): port.name "http" makes the ALB forward straight to Service web-stable and ignore the weighted action, so the canary gets no traffic there. Set port.name: use-annotation.',
    });
  });

  it('P3: a backend without any port', () => {
    const [f] = refs(albCanary(), [
      albIngress([{ path: '/', backend: { service: { name: 'web-stable' } } }]),
    ]);
    expect(f?.message).toBe(
      'Ingress "web" (host "shop.example.com", path "/"): no port makes the ALB forward straight to Service web-stable and ignore the weighted action, so the canary gets no traffic there. Set port.name: use-annotation.',
    );
  });

  it('P3: the legacy serviceName/servicePort fields', () => {
    const legacy = parseIngress({
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            http: {
              paths: [
                { path: '/api', backend: { serviceName: 'web-stable', servicePort: 'use-annotation' } },
              ],
            },
          },
        ],
      },
    }).value!;
    expect(refs(albCanary(), [legacy])).toEqual([
      {
        severity: 'error',
        rule: 'alb-backend-legacy-fields',
        field: 'spec.rules[0].http.paths[0].backend.servicePort',
        message:
          'Ingress "web" (host "*", path "/api") uses the legacy extensions/v1beta1 fields serviceName/servicePort, which networking.k8s.io/v1 does not have. Write backend.service.name: web-stable and backend.service.port.name: use-annotation.',
        ingress: 'web',
        path: '/api',
      },
    ]);
  });

  it("argo validation_references.go: a backend on another Service gets Argo's text plus what was found", () => {
    expect(refs(albCanary(), [albIngress([path('web-canary', { name: 'use-annotation' })])])).toEqual([
      {
        severity: 'error',
        rule: 'ingress-no-rule-for-service',
        field: 'spec.strategy.canary.trafficRouting.alb.ingress',
        message:
          'spec.strategy.canary.trafficRouting.alb.ingress: Invalid value: "web": ingress `web` has no rules using service web-stable backend. Its paths route web-canary at host "shop.example.com" path "/*". Route a path to backend.service.name web-stable with port.name use-annotation.',
        ingress: 'web',
      },
    ]);
  });

  it('argo validation_references.go: lists at most two other backends', () => {
    const paths = ['a', 'b', 'c', 'd'].map((s) => path(s, { number: 80 }, `/${s}`));
    const [f] = refs(albCanary(), [albIngress(paths)]);
    expect(f?.message).toContain(
      'Its paths route a at host "shop.example.com" path "/a"; b at host "shop.example.com" path "/b" and 2 more.',
    );
  });

  it('argo validation_references.go: an Ingress with no rule paths at all', () => {
    const [f] = refs(albCanary(), [albIngress([])]);
    expect(f?.message).toContain(
      'has no rules using service web-stable backend. It has no rule paths with a Service backend.',
    );
  });

  it('argo validation_references.go: a default backend does not satisfy Argo, which reads only spec.rules', () => {
    const ingress = parseIngress({
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        ingressClassName: 'alb',
        defaultBackend: { service: { name: 'web-stable', port: { name: 'use-annotation' } } },
      },
    }).value!;
    const [f] = refs(albCanary(), [ingress]);
    expect(f?.message).toBe(
      'spec.strategy.canary.trafficRouting.alb.ingress: Invalid value: "web": ingress `web` has no rules using service web-stable backend. spec.defaultBackend uses it, but Argo Rollouts reads only spec.rules. Route a path to backend.service.name web-stable with port.name use-annotation.',
    );
  });

  it('P3: with one wired path, a numeric path on the same Service is only a warning', () => {
    const findings = refs(albCanary(), [
      albIngress([
        path('web-stable', { name: 'use-annotation' }),
        path('web-stable', { number: 80 }, '/health'),
      ]),
    ]);
    expect(findings).toEqual([
      expect.objectContaining({ severity: 'warning', rule: 'alb-backend-port-number', path: '/health' }),
    ]);
  });

  it('argo alb.go: the action service is rootService when set', () => {
    const canary = albCanary({}, { rootService: 'web-root' });
    expect(refs(canary, [albIngress([path('web-root', { name: 'use-annotation' })])])).toEqual([]);
    expect(
      only(
        refs(canary, [albIngress([path('web-stable', { name: 'use-annotation' })])]),
        'ingress-no-rule-for-service',
      )[0]?.message,
    ).toContain('has no rules using service web-root backend');
  });

  it('P5 / argo validation_references.go (HEAD): each Ingress of alb.ingresses is checked, Argo path is the list', () => {
    const canary = albCanary({}, { ingress: undefined, ingresses: ['web', 'web-internal', 'web-gone'] });
    const findings = refs(canary, [
      albIngress([path('web-stable', { name: 'use-annotation' })]),
      albIngress([path('other', { name: 'use-annotation' })], 'web-internal'),
    ]);
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'ingress-no-rule-for-service',
        field: 'spec.strategy.canary.trafficRouting.alb.ingresses[1]',
        ingress: 'web-internal',
        message: expect.stringMatching(
          /^spec\.strategy\.canary\.trafficRouting\.alb\.ingresses: Invalid value: "web-internal": ingress `web-internal` has no rules using service web-stable backend\./,
        ),
      }),
      {
        severity: 'warning',
        rule: 'ingress-not-found',
        field: 'spec.strategy.canary.trafficRouting.alb.ingresses[2]',
        message:
          'Ingress "web-gone" does not exist in namespace shop yet (spec.strategy.canary.trafficRouting.alb.ingresses[2]); Argo Rollouts will report InvalidSpec until it is created. Ignore this if your GitOps tool is still applying it.',
        ingress: 'web-gone',
      },
    ]);
  });

  it('a missing Ingress is a warning only (GitOps applies in any order)', () => {
    expect(refs(albCanary(), [])).toEqual([
      {
        severity: 'warning',
        rule: 'ingress-not-found',
        field: 'spec.strategy.canary.trafficRouting.alb.ingress',
        message:
          'Ingress "web" does not exist in namespace shop yet (spec.strategy.canary.trafficRouting.alb.ingress); Argo Rollouts will report InvalidSpec until it is created. Ignore this if your GitOps tool is still applying it.',
        ingress: 'web',
      },
    ]);
  });

  it('without ALB or NGINX routing, only Services that exist are checked', () => {
    const istio = rolloutOf({ stableService: 's', canaryService: 'c', trafficRouting: { istio: {} } });
    expect(validateRolloutReferences(istio, clusterOf({}))).toEqual([]);
    expect(validateRolloutReferences(rolloutOf({ steps: [] }), clusterOf({}))).toEqual([]);
  });
});

describe('validateRolloutReferences: Services (LBC config_types.go "unable to find port")', () => {
  it('an unset servicePort is left to the spec rule (no "port 0" finding per Service)', () => {
    const rollout = rolloutOf(albCanary({}, { servicePort: undefined }));
    expect(validateRolloutReferences(rollout, healthyAlbCluster())).toEqual([]);
  });

  it('a Service without alb.servicePort is an error', () => {
    const cluster = healthyAlbCluster({
      services: [serviceOf('web-stable', [80]), serviceOf('web-canary', [8080, 9090])],
    });
    expect(validateRolloutReferences(rolloutOf(albCanary()), cluster)).toEqual([
      {
        severity: 'error',
        rule: 'service-lacks-alb-port',
        field: 'spec.strategy.canary.trafficRouting.alb.servicePort',
        message:
          'Service "web-canary" (canaryService) has no port 80 (it has: 8080, 9090), so the AWS Load Balancer Controller fails with "unable to find port 80 on service shop/web-canary". Set alb.servicePort to a port of the Service.',
      },
    ]);
  });

  it('a Service with no ports at all', () => {
    const cluster = healthyAlbCluster({
      services: [serviceOf('web-stable', []), serviceOf('web-canary', [80])],
    });
    expect(validateRolloutReferences(rolloutOf(albCanary()), cluster)[0]?.message).toContain(
      'has no port 80 (it has: none)',
    );
  });

  it('a missing Service is a warning only', () => {
    const cluster = healthyAlbCluster({ services: [serviceOf('web-stable', [80])] });
    expect(validateRolloutReferences(rolloutOf(albCanary()), cluster)).toEqual([
      {
        severity: 'warning',
        rule: 'service-not-found',
        field: 'spec.strategy.canary.canaryService',
        message:
          'Service "web-canary" does not exist in namespace shop yet (spec.strategy.canary.canaryService); Argo Rollouts will report InvalidSpec until it is created. Ignore this if your GitOps tool is still applying it.',
      },
    ]);
  });

  it('P10: with ping-pong the ping and pong Services are the target groups', () => {
    const canary = {
      pingPong: { pingService: 'web-ping', pongService: 'web-pong' },
      trafficRouting: { alb: { ingress: 'web', servicePort: 80, rootService: 'web-root' } },
      steps: [{ setWeight: 10 }],
    };
    const cluster = healthyAlbCluster({
      ingresses: [albIngress([path('web-root', { name: 'use-annotation' })])],
      services: [serviceOf('web-ping', [80]), serviceOf('web-pong', [8080])],
    });
    expect(validateRolloutReferences(rolloutOf(canary), cluster)).toEqual([
      expect.objectContaining({
        rule: 'service-lacks-alb-port',
        message: expect.stringContaining('Service "web-pong" (pingPong.pongService) has no port 80'),
      }),
    ]);
  });

  it('P10: the ping Service is a target group too, and a missing one is reported by its field', () => {
    const canary = {
      pingPong: { pingService: 'web-ping', pongService: 'web-pong' },
      trafficRouting: { alb: { ingress: 'web', servicePort: 80, rootService: 'web-root' } },
      steps: [{ setWeight: 10 }],
    };
    const ingresses = [albIngress([path('web-root', { name: 'use-annotation' })])];
    const wrongPort = healthyAlbCluster({
      ingresses,
      services: [serviceOf('web-ping', [8080, 9090]), serviceOf('web-pong', [80])],
    });
    expect(validateRolloutReferences(rolloutOf(canary), wrongPort)).toEqual([
      {
        severity: 'error',
        rule: 'service-lacks-alb-port',
        field: 'spec.strategy.canary.trafficRouting.alb.servicePort',
        message:
          'Service "web-ping" (pingPong.pingService) has no port 80 (it has: 8080, 9090), so the AWS Load Balancer Controller fails with "unable to find port 80 on service shop/web-ping". Set alb.servicePort to a port of the Service.',
      },
    ]);
    const missing = healthyAlbCluster({ ingresses, services: [serviceOf('web-pong', [80])] });
    expect(validateRolloutReferences(rolloutOf(canary), missing).map((f) => [f.rule, f.field])).toEqual([
      ['service-not-found', 'spec.strategy.canary.pingPong.pingService'],
    ]);
  });

  it('P10: a stableService kept next to ping-pong need not expose the ALB port', () => {
    const canary = {
      stableService: 'web-stable',
      pingPong: { pingService: 'web-ping', pongService: 'web-pong' },
      trafficRouting: { alb: { ingress: 'web', servicePort: 80, rootService: 'web-root' } },
      steps: [{ setWeight: 10 }],
    };
    const cluster = healthyAlbCluster({
      ingresses: [albIngress([path('web-root', { name: 'use-annotation' })])],
      services: [serviceOf('web-ping', [80]), serviceOf('web-pong', [80]), serviceOf('web-stable', [8080])],
    });
    expect(validateRolloutReferences(rolloutOf(canary), cluster)).toEqual([]);
  });

  it('NGINX has no servicePort, so Service ports are not compared', () => {
    const cluster = clusterOf({
      ingresses: [ingressOf('web', [path('web-stable', { number: 8080 })], { className: 'nginx' })],
      services: [serviceOf('web-stable', [8080]), serviceOf('web-canary', [8080])],
      classes: [NGINX_CLASS],
    });
    expect(validateRolloutReferences(rolloutOf(nginxCanary()), cluster)).toEqual([]);
  });
});

describe('validateRolloutReferences: NGINX stable Ingress (argo validation_references.go)', () => {
  const services = [serviceOf('web-stable', [80]), serviceOf('web-canary', [80])];
  it('the stable Ingress must route stableService', () => {
    const cluster = clusterOf({
      ingresses: [ingressOf('web', [path('other', { number: 80 })], { className: 'nginx' })],
      services,
      classes: [NGINX_CLASS],
    });
    expect(validateRolloutReferences(rolloutOf(nginxCanary()), cluster)).toEqual([
      {
        severity: 'error',
        rule: 'ingress-no-rule-for-service',
        field: 'spec.strategy.canary.trafficRouting.nginx.stableIngress',
        message:
          'spec.strategy.canary.trafficRouting.nginx.stableIngress: Invalid value: "web": ingress `web` has no rules using service web-stable backend. Its paths route other at host "*" path "/*". Route a path to Service web-stable; Argo copies these rules into the canary Ingress.',
        ingress: 'web',
      },
    ]);
  });

  it('stableIngresses: missing ones are warnings, paths name the list', () => {
    const cluster = clusterOf({ ingresses: [], services, classes: [NGINX_CLASS] });
    const findings = validateRolloutReferences(
      rolloutOf(nginxCanary({}, { stableIngress: undefined, stableIngresses: ['a'] })),
      cluster,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        rule: 'ingress-not-found',
        field: 'spec.strategy.canary.trafficRouting.nginx.stableIngresses[0]',
      }),
    ]);
  });

  it('an Ingress ingress-nginx would not manage', () => {
    const cluster = clusterOf({
      ingresses: [ingressOf('web', [path('web-stable', { number: 80 })], { className: 'alb' })],
      services,
      classes: [ALB_CLASS, NGINX_CLASS],
    });
    expect(validateRolloutReferences(rolloutOf(nginxCanary()), cluster)).toEqual([
      {
        severity: 'warning',
        rule: 'nginx-ingress-not-managed',
        field: 'spec.strategy.canary.trafficRouting.nginx.stableIngress',
        message:
          'Ingress "web" is not managed by ingress-nginx, so its canary Ingress does nothing: spec.ingressClassName selects IngressClass "alb" with controller "ingress.k8s.aws/alb", so the ingress-nginx controller does not manage it (it expects k8s.io/ingress-nginx). Set spec.ingressClassName to an IngressClass with controller k8s.io/ingress-nginx.',
        ingress: 'web',
      },
    ]);
  });

  it('P11: an NGINX class Argo Rollouts does not list', () => {
    const cluster = clusterOf({
      ingresses: [ingressOf('web', [path('web-stable', { number: 80 })], { className: 'internal' })],
      services,
      classes: [classOf('internal', 'k8s.io/ingress-nginx')],
    });
    expect(validateRolloutReferences(rolloutOf(nginxCanary()), cluster)).toEqual([
      expect.objectContaining({
        severity: 'warning',
        rule: 'nginx-ingress-class-unknown-to-rollouts',
        message:
          'Ingress "web": Argo Rollouts skips it, as class "internal" is not in --nginx-ingress-classes (nginx), so edits to it reach the canary Ingress only on the next Rollout change (it reads the annotation, then spec.ingressClassName, never the default IngressClass). Add the class to the flag.',
      }),
    ]);
    expect(
      validateRolloutReferences(rolloutOf(nginxCanary()), cluster, {
        rolloutsNginxIngressClasses: ['nginx', 'internal'],
      }),
    ).toEqual([]);
  });
});

describe('validateRolloutReferences: ALB ingress class (LBC class_loader.go, ', () => {
  it('an Ingress of another controller gets a warning that says why', () => {
    const cluster = healthyAlbCluster({
      ingresses: [ingressOf('web', [path('web-stable', { name: 'use-annotation' })], { className: 'nginx' })],
    });
    expect(validateRolloutReferences(rolloutOf(albCanary()), cluster)).toEqual([
      {
        severity: 'warning',
        rule: 'alb-ingress-not-managed',
        field: 'spec.strategy.canary.trafficRouting.alb.ingress',
        message:
          'Ingress "web" is not managed by the AWS Load Balancer Controller, so its weights do nothing: spec.ingressClassName selects IngressClass "nginx" with controller "k8s.io/ingress-nginx", so the AWS Load Balancer Controller does not manage it (it expects ingress.k8s.aws/alb). Set spec.ingressClassName to an IngressClass with controller ingress.k8s.aws/alb.',
        ingress: 'web',
      },
    ]);
  });

  it('P11: managed through the default IngressClass, which Argo Rollouts ignores', () => {
    const cluster = healthyAlbCluster({
      ingresses: [ingressOf('web', [path('web-stable', { name: 'use-annotation' })])],
      classes: [classOf('aws', 'ingress.k8s.aws/alb', true)],
    });
    expect(validateRolloutReferences(rolloutOf(albCanary()), cluster)).toEqual([
      {
        severity: 'warning',
        rule: 'alb-ingress-class-unknown-to-rollouts',
        field: 'spec.strategy.canary.trafficRouting.alb.ingress',
        message:
          'Ingress "web": Argo Rollouts skips it, as class "" is not in --alb-ingress-classes (alb), so it will not reset the action when the Rollout lets go of this Ingress (it reads the annotation, then spec.ingressClassName, never the default IngressClass). Set spec.ingressClassName: alb, or add the class to the flag.',
        ingress: 'web',
      },
    ]);
  });

  it('the LBC --ingress-class and Argo class flags are honoured', () => {
    const cluster = healthyAlbCluster({
      ingresses: [
        ingressOf('web', [path('web-stable', { name: 'use-annotation' })], {
          annotations: { 'kubernetes.io/ingress.class': 'internal' },
        }),
      ],
    });
    const options = { albIngressClass: 'internal', rolloutsAlbIngressClasses: ['alb', 'internal'] };
    expect(validateRolloutReferences(rolloutOf(albCanary()), cluster, options)).toEqual([]);
  });
});

describe('validateRollout', () => {
  it('returns spec and reference findings, errors first', () => {
    const canary = albCanary({ steps: [{ setCanaryScale: { weight: 10 } }, { setWeight: -5 }] });
    const cluster = healthyAlbCluster({
      ingresses: [albIngress([path('web-stable', { number: 80 })])],
      services: [serviceOf('web-stable', [80])],
    });
    const findings = validateRollout(rolloutOf(canary), cluster);
    expect(findings.map((f) => [f.severity, f.rule])).toEqual([
      ['error', 'step-set-weight-range'],
      ['error', 'alb-backend-port-number'],
      ['warning', 'steps-never-shift-traffic'],
      ['warning', 'service-not-found'],
    ]);
  });
});

describe('looksLikeUseAnnotation', () => {
  it.each([
    ['use-annotations', true],
    ['USE-ANNOTATION', true],
    ['useAnnotation', true],
    ['use-annotaion', true],
    ['http', false],
    ['web', false],
    ['use', false],
  ])('%s → %s', (name, expected) => {
    expect(looksLikeUseAnnotation(name)).toBe(expected);
  });
});

describe('ALB path pattern of the wired path (LBC config_types.go, ', () => {
  it('ImplementationSpecific "/" matches only the root URL', () => {
    const findings = refs(albCanary(), [albIngress([path('web-stable', { name: 'use-annotation' }, '/')])]);
    expect(findings).toEqual([
      {
        severity: 'warning',
        rule: 'alb-path-matches-root-only',
        field: 'spec.rules[0].http.paths[0].path',
        message:
          'Ingress "web" (host "shop.example.com", path "/"): on the ALB this path matches only the URL "/" (pathType ImplementationSpecific passes the pattern as is). Use path "/*", or pathType Prefix.',
        ingress: 'web',
        host: HOST,
        path: '/',
      },
    ]);
  });

  it.each([
    ['/', 'Prefix'],
    ['/*', 'ImplementationSpecific'],
    ['/api', 'ImplementationSpecific'],
  ])('path %s with pathType %s is fine', (p, pathType) => {
    expect(
      refs(albCanary(), [albIngress([path('web-stable', { name: 'use-annotation' }, p, pathType)])]),
    ).toEqual([]);
  });
});
