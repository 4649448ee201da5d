import { describe, expect, it } from 'vitest';
import {
  parseIngress,
  parseIngressClass,
  parseRollout,
  parseService,
} from '../../../src/routing/wire/index.js';

const rolloutObj = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: {
    name: 'web',
    namespace: 'shop',
    generation: 3,
    annotations: { 'rollout.argoproj.io/revision': '2' },
  },
  spec: {
    strategy: {
      canary: {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        trafficRouting: {
          alb: { ingress: 'web', servicePort: 80, stickinessConfig: { enabled: true, durationSeconds: 300 } },
          managedRoutes: [{ name: 'hdr' }],
        },
        steps: [
          { setWeight: 10 },
          {
            setHeaderRoute: {
              name: 'hdr',
              match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
            },
          },
          { pause: {} },
          { pause: { duration: '10s' } },
          { experiment: { templates: [{ name: 'a', weight: 5 }] } },
        ],
      },
    },
  },
  status: {
    currentStepIndex: 1,
    stableRS: 'aaa',
    currentPodHash: 'bbb',
    canary: {
      weights: {
        canary: { weight: 10, serviceName: 'web-canary', podTemplateHash: 'bbb' },
        stable: { weight: 90, serviceName: 'web-stable', podTemplateHash: 'aaa' },
      },
    },
  },
};

describe('parseRollout', () => {
  it('reads the canary traffic configuration and status', () => {
    const { value, findings } = parseRollout(rolloutObj);
    expect(findings).toEqual([]);
    expect(value?.revision).toBe(2);
    expect(value?.canary?.trafficRouting?.alb).toEqual({
      ingress: 'web',
      ingresses: undefined,
      servicePort: 80,
      rootService: undefined,
      annotationPrefix: 'alb.ingress.kubernetes.io',
      stickinessConfig: { enabled: true, durationSeconds: 300 },
    });
    expect(value?.canary?.trafficRouting?.managedRoutes).toEqual(['hdr']);
    expect(value?.canary?.steps).toEqual([
      { setWeight: 10 },
      { setHeaderRoute: { name: 'hdr', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] } },
      { pause: {} },
      { pause: { duration: '10s' } },
      { experiment: { templates: [{ name: 'a', weight: 5 }] } },
    ]);
    expect(value?.status.weights?.canary.weight).toBe(10);
    expect(value?.status.weights?.additional).toEqual([]);
  });

  it('reports wrong types as findings and keeps reading the rest', () => {
    const bad = structuredClone(rolloutObj) as typeof rolloutObj & Record<string, unknown>;
    (bad.spec.strategy.canary as Record<string, unknown>).stableService = 42;
    (bad.spec.strategy.canary.steps[0] as Record<string, unknown>).setWeight = '10';
    const { value, findings } = parseRollout(bad);
    expect(findings.map((f) => f.field)).toEqual([
      'spec.strategy.canary.stableService',
      'spec.strategy.canary.steps[0].setWeight',
    ]);
    expect(findings[0]?.message).toBe('spec.strategy.canary.stableService must be a string, got 42');
    expect(value?.canary?.canaryService).toBe('web-canary');
  });

  it('distinguishes an absent managedRoutes from an empty one and a null match from an empty one', () => {
    const obj = structuredClone(rolloutObj);
    delete (obj.spec.strategy.canary.trafficRouting as Record<string, unknown>).managedRoutes;
    (obj.spec.strategy.canary.steps[1] as Record<string, unknown>).setHeaderRoute = { name: 'hdr' };
    const { value } = parseRollout(obj);
    expect(value?.canary?.trafficRouting?.managedRoutes).toBeUndefined();
    expect(value?.canary?.steps[1]?.setHeaderRoute).toEqual({ name: 'hdr', match: null });
  });

  it('never throws and yields nothing without a name', () => {
    for (const input of [null, 3, 'x', [], {}, { metadata: 5 }, { metadata: { name: 7 } }]) {
      const { value, findings } = parseRollout(input);
      expect(value).toBeUndefined();
      expect(findings.length).toBeGreaterThan(0);
    }
  });

  it('ignores inherited keys such as constructor', () => {
    const { value } = parseRollout({ metadata: { name: 'x' }, spec: { strategy: {} } });
    expect(value?.canary).toBeUndefined();
    const withProto = JSON.parse('{"metadata":{"name":"x","__proto__":{"namespace":"evil"}}}');
    expect(parseRollout(withProto).value?.namespace).toBe('default');
  });

  it('keeps annotation keys that name Object.prototype members as plain keys', () => {
    const wire = JSON.parse(
      '{"metadata":{"name":"x","annotations":{"__proto__":"a","constructor":"b","toString":"c"}}}',
    );
    const annotations = parseIngress(wire).value?.annotations ?? {};
    expect(Object.entries(annotations)).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
      ['toString', 'c'],
    ]);
    expect(Object.getPrototypeOf(annotations)).toBeNull();
  });
});

describe('parseIngress', () => {
  it('collects backends from rules and the default backend, v1 and legacy', () => {
    const { value, findings } = parseIngress({
      metadata: { name: 'web', namespace: 'shop', annotations: { 'kubernetes.io/ingress.class': 'alb' } },
      spec: {
        ingressClassName: 'alb',
        defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web-stable', port: { name: 'use-annotation' } } },
                },
                { path: '/old', backend: { serviceName: 'legacy', servicePort: 8080 } },
              ],
            },
          },
        ],
      },
    });
    expect(findings).toEqual([]);
    expect(value?.backends).toEqual([
      {
        ruleIndex: -1,
        pathIndex: -1,
        serviceName: 'fallback',
        portName: undefined,
        portNumber: 80,
        legacyFields: false,
        resource: false,
      },
      {
        ruleIndex: 0,
        pathIndex: 0,
        host: 'shop.example.com',
        path: '/',
        pathType: 'Prefix',
        serviceName: 'web-stable',
        portName: 'use-annotation',
        portNumber: undefined,
        legacyFields: false,
        resource: false,
      },
      {
        ruleIndex: 0,
        pathIndex: 1,
        host: 'shop.example.com',
        path: '/old',
        pathType: undefined,
        serviceName: 'legacy',
        portNumber: 8080,
        legacyFields: true,
        resource: false,
      },
    ]);
  });
});

describe('parseService and parseIngressClass', () => {
  it('keeps only names and ports', () => {
    expect(
      parseService({
        metadata: { name: 's', namespace: 'n' },
        spec: { ports: [{ name: 'http', port: 80 }, { port: 443 }] },
      }).value,
    ).toEqual({ namespace: 'n', name: 's', ports: [{ name: 'http', port: 80 }, { port: 443 }] });
  });
  it('keeps the selector and the Rollout named by managed-by-rollouts', () => {
    const service = parseService({
      metadata: {
        name: 's',
        namespace: 'n',
        annotations: { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'web', team: 'a' },
      },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    }).value;
    expect(service).toEqual({
      namespace: 'n',
      name: 's',
      ports: [{ port: 80 }],
      selector: { app: 'web' },
      managedByRollout: 'web',
    });
  });
  it('reads the controller and the default-class annotation', () => {
    expect(
      parseIngressClass({
        metadata: { name: 'alb', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
        spec: { controller: 'ingress.k8s.aws/alb' },
      }).value,
    ).toEqual({ name: 'alb', controller: 'ingress.k8s.aws/alb', isDefault: true });
  });
});
