/**
 * What the object parsers read, default and leave out: the exact value for each shape of
 * input, compared strictly (an absent field must stay absent, not become a key holding
 * undefined), and the identity errors of each kind. Field names: core/v1 Service,
 * networking.k8s.io/v1 and extensions/v1beta1 Ingress, argoproj/argo-rollouts v1.10.x
 * pkg/apis/rollouts/v1alpha1/types.go.
 */
import { describe, expect, it } from 'vitest';
import {
  parseIngress,
  parseIngressClass,
  parseRollout,
  parseService,
} from '../../../src/routing/wire/index.js';

/** The parsers' maps of user-chosen keys have no prototype (json-reader.ts, newStringMap). */
function stringMap(entries: Record<string, string>): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, entries);
}

function rolloutWith(canary: unknown, status?: unknown): unknown {
  return { metadata: { name: 'web' }, spec: { strategy: { canary } }, status };
}

describe('identity: not an object, or no name', () => {
  it.each([
    ['Service', parseService, 'a Service must be a JSON object'],
    ['IngressClass', parseIngressClass, 'an IngressClass must be a JSON object'],
    ['Ingress', parseIngress, 'an Ingress must be a JSON object'],
    ['Rollout', parseRollout, 'a Rollout must be a JSON object'],
  ] as const)('%s: a list is no object', (_kind, parse, message) => {
    expect(parse([])).toStrictEqual({
      findings: [{ severity: 'error', rule: 'malformed-object', field: '', message }],
    });
  });

  it.each([
    ['Service', parseService],
    ['IngressClass', parseIngressClass],
    ['Ingress', parseIngress],
    ['Rollout', parseRollout],
  ] as const)('%s: without metadata.name there is no value, and one error says so', (_kind, parse) => {
    const missing = {
      severity: 'error',
      rule: 'missing-name',
      field: 'metadata.name',
      message: 'metadata.name is required',
    };
    expect(parse({ metadata: { namespace: 'shop' } })).toStrictEqual({ findings: [missing] });
    expect(parse({ metadata: { name: '' } })).toStrictEqual({ findings: [missing] });
  });
});

describe('parseService', () => {
  it('without ports, selector or the managed-by annotation: only namespace, name and no ports', () => {
    const parsed = parseService({ metadata: { name: 's', annotations: { team: 'a' } } });
    expect(parsed.findings).toEqual([]);
    expect(parsed.value).toStrictEqual({ namespace: 'default', name: 's', ports: [] });
  });

  it('an empty selector is left out; the managed-by annotation is kept even when empty', () => {
    const parsed = parseService({
      metadata: { name: 's', annotations: { 'argo-rollouts.argoproj.io/managed-by-rollouts': '' } },
      spec: { selector: {}, ports: [{ port: 80 }] },
    });
    expect(parsed.value).toStrictEqual({
      namespace: 'default',
      name: 's',
      ports: [{ port: 80 }],
      managedByRollout: '',
    });
  });
});

describe('parseIngressClass', () => {
  it('without a controller or the default-class annotation: controller "" and not the default', () => {
    expect(parseIngressClass({ metadata: { name: 'nginx' } })).toStrictEqual({
      value: { name: 'nginx', controller: '', isDefault: false },
      findings: [],
    });
  });

  it('is the default only for the annotation value "true"', () => {
    const withDefault = (value: string) =>
      parseIngressClass({
        metadata: { name: 'alb', annotations: { 'ingressclass.kubernetes.io/is-default-class': value } },
      }).value?.isDefault;
    expect(withDefault('true')).toBe(true);
    expect(withDefault('false')).toBe(false);
    expect(withDefault('True')).toBe(false);
  });
});

describe('parseIngress backends', () => {
  const where = { ruleIndex: 0, pathIndex: 0, host: 'h', path: '/', pathType: 'Prefix' };
  const ingressWithBackend = (backend: unknown) => ({
    metadata: { name: 'web' },
    spec: { rules: [{ host: 'h', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] },
  });

  it.each([
    [
      'v1 service, port by name',
      { service: { name: 'web', port: { name: 'use-annotation' } } },
      {
        serviceName: 'web',
        portName: 'use-annotation',
        portNumber: undefined,
        legacyFields: false,
        resource: false,
      },
    ],
    [
      'v1 service, port by number',
      { service: { name: 'web', port: { number: 8080 } } },
      { serviceName: 'web', portName: undefined, portNumber: 8080, legacyFields: false, resource: false },
    ],
    [
      'v1 service, a port name no other Ingress shares',
      { service: { name: 'web', port: { name: 'grpc-web' } } },
      {
        serviceName: 'web',
        portName: 'grpc-web',
        portNumber: undefined,
        legacyFields: false,
        resource: false,
      },
    ],
    [
      'legacy servicePort (a rare name) alone',
      { servicePort: 'admin' },
      { serviceName: undefined, portName: 'admin', legacyFields: true, resource: false },
    ],
    [
      'a resource backend',
      { resource: { kind: 'StorageBucket', name: 'b' } },
      { legacyFields: false, resource: true },
    ],
    ['an empty backend', {}, { legacyFields: false, resource: false }],
    [
      'legacy serviceName alone',
      { serviceName: 'old' },
      { serviceName: 'old', legacyFields: true, resource: false },
    ],
    [
      'legacy servicePort (name) alone',
      { servicePort: 'http' },
      { serviceName: undefined, portName: 'http', legacyFields: true, resource: false },
    ],
    [
      'legacy servicePort (number) alone',
      { servicePort: 8080 },
      { serviceName: undefined, portNumber: 8080, legacyFields: true, resource: false },
    ],
  ])('%s', (_name, backend, expected) => {
    const parsed = parseIngress(ingressWithBackend(backend));
    expect(parsed.findings).toEqual([]);
    expect(parsed.value?.backends).toStrictEqual([{ ...where, ...expected }]);
  });

  it('reads the legacy spec.backend as the default backend', () => {
    const parsed = parseIngress({
      metadata: { name: 'old' },
      spec: { backend: { serviceName: 'fallback', servicePort: 80 } },
    });
    expect(parsed.value?.backends).toStrictEqual([
      {
        ruleIndex: -1,
        pathIndex: -1,
        legacyFields: true,
        resource: false,
        serviceName: 'fallback',
        portNumber: 80,
      },
    ]);
  });

  it('without a default backend, rules, http or a path backend: no backends and no findings', () => {
    for (const spec of [
      {},
      { rules: [] },
      { rules: [{ host: 'h' }] },
      { rules: [{ host: 'h', http: {} }] },
      { rules: [{ host: 'h', http: { paths: [{ path: '/', pathType: 'Prefix' }] } }] },
    ]) {
      const parsed = parseIngress({ metadata: { name: 'web' }, spec });
      expect(parsed.findings).toEqual([]);
      expect(parsed.value?.backends).toEqual([]);
    }
  });
});

describe('parseRollout: canary strategy', () => {
  it('reads each field; dynamicStableScale is false and pingPong absent when not given', () => {
    const canaryOf = (canary: object) => parseRollout(rolloutWith(canary)).value?.canary;
    expect(canaryOf({})).toStrictEqual({
      stableService: undefined,
      canaryService: undefined,
      dynamicStableScale: false,
      scaleDownDelaySeconds: undefined,
      abortScaleDownDelaySeconds: undefined,
      maxSurge: undefined,
      maxUnavailable: undefined,
      trafficRouting: undefined,
      steps: [],
    });
    expect(
      canaryOf({
        stableService: 's',
        canaryService: 'c',
        dynamicStableScale: true,
        scaleDownDelaySeconds: 30,
        abortScaleDownDelaySeconds: 0,
        maxSurge: '25%',
        maxUnavailable: 1,
        pingPong: { pingService: 'ping' },
      }),
    ).toStrictEqual({
      stableService: 's',
      canaryService: 'c',
      dynamicStableScale: true,
      scaleDownDelaySeconds: 30,
      abortScaleDownDelaySeconds: 0,
      maxSurge: '25%',
      maxUnavailable: 1,
      trafficRouting: undefined,
      steps: [],
      pingPong: { pingService: 'ping', pongService: undefined },
    });
    expect(canaryOf({ dynamicStableScale: false })?.dynamicStableScale).toBe(false);
  });
});

describe('parseRollout: trafficRouting', () => {
  it('alb without stickinessConfig has none; an empty stickinessConfig reads as disabled, 0 s', () => {
    const alb = (extra: object) =>
      parseRollout(rolloutWith({ trafficRouting: { alb: { ingress: 'web', ...extra } } })).value?.canary
        ?.trafficRouting?.alb;
    expect(alb({})).toStrictEqual({
      ingress: 'web',
      ingresses: undefined,
      servicePort: 0,
      rootService: undefined,
      annotationPrefix: 'alb.ingress.kubernetes.io',
    });
    expect(alb({ stickinessConfig: {} })?.stickinessConfig).toStrictEqual({
      enabled: false,
      durationSeconds: 0,
    });
  });

  it('nginx: each field read, the prefix defaulted', () => {
    const nginx = parseRollout(
      rolloutWith({
        trafficRouting: {
          nginx: {
            stableIngresses: ['a', 'b'],
            additionalIngressAnnotations: { 'canary-by-header': 'x' },
            canaryIngressAnnotations: { k: 'v' },
          },
        },
      }),
    ).value?.canary?.trafficRouting?.nginx;
    expect(nginx).toStrictEqual({
      stableIngress: undefined,
      stableIngresses: ['a', 'b'],
      annotationPrefix: 'nginx.ingress.kubernetes.io',
      additionalIngressAnnotations: stringMap({ 'canary-by-header': 'x' }),
      canaryIngressAnnotations: stringMap({ k: 'v' }),
    });
  });

  it('lists the routers set: null and absent ones do not count, nor an empty plugins map', () => {
    const routing = (trafficRouting: object) =>
      parseRollout(rolloutWith({ trafficRouting })).value?.canary?.trafficRouting;
    expect(routing({ smi: null, appMesh: {}, plugins: {} })).toStrictEqual({
      alb: undefined,
      nginx: undefined,
      otherProviders: ['appMesh'],
      istioDestinationRule: false,
      maxTrafficWeight: undefined,
    });
    expect(routing({ smi: undefined, traefik: { weightedTraefikServiceName: 'w' } })?.otherProviders).toEqual(
      ['traefik'],
    );
    expect(routing({ plugins: { 'example.com/other': {} } })?.otherProviders).toEqual(['plugins']);
    expect(routing({ plugins: { 'example.com/other': {} } })).not.toHaveProperty('gatewayApi');
    expect(routing({ plugins: null })?.otherProviders).toEqual([]);
  });

  it('istio comes first among other routers; destinationRule is what istioDestinationRule says', () => {
    const routing = (istio: object) =>
      parseRollout(rolloutWith({ trafficRouting: { smi: {}, istio } })).value?.canary?.trafficRouting;
    expect(routing({ virtualService: { name: 'vs' } })).toMatchObject({
      otherProviders: ['istio', 'smi'],
      istioDestinationRule: false,
    });
    expect(routing({ destinationRule: { name: 'dr' } })?.istioDestinationRule).toBe(true);
    expect(routing({ destinationRule: null })?.istioDestinationRule).toBe(false);
  });

  it('keeps the managed route names it can read, reports the rest', () => {
    const parsed = parseRollout(
      rolloutWith({ trafficRouting: { managedRoutes: [{ name: 'a' }, {}, 5, { name: 3 }] } }),
    );
    expect(parsed.value?.canary?.trafficRouting?.managedRoutes).toStrictEqual(['a']);
    expect(parsed.findings.map((f) => f.field)).toEqual([
      'spec.strategy.canary.trafficRouting.managedRoutes[2]',
      'spec.strategy.canary.trafficRouting.managedRoutes[3].name',
    ]);
  });
});

describe('parseRollout: steps', () => {
  const stepsOf = (steps: unknown[]) => parseRollout(rolloutWith({ steps })).value?.canary?.steps;

  it.each([
    ['not an object', 5, {}],
    ['an empty step', {}, {}],
    ['setWeight', { setWeight: 0 }, { setWeight: 0 }],
    ['a null pause is no pause', { pause: null }, {}],
    ['pause without a duration', { pause: {} }, { pause: {} }],
    ['pause with a duration in seconds', { pause: { duration: 30 } }, { pause: { duration: 30 } }],
    ['experiment without templates', { experiment: {} }, { experiment: { templates: [] } }],
    [
      'experiment templates: name and weight read, defaults without',
      { experiment: { templates: [{}, { name: 'a' }, { name: 'b', weight: 0 }] } },
      { experiment: { templates: [{ name: '' }, { name: 'a' }, { name: 'b', weight: 0 }] } },
    ],
    [
      'analysis is kept as written',
      { analysis: { templates: [{ templateName: 't' }] } },
      { analysis: { templates: [{ templateName: 't' }] } },
    ],
    ['an empty setCanaryScale', { setCanaryScale: {} }, { setCanaryScale: {} }],
    [
      'setCanaryScale with each field',
      { setCanaryScale: { replicas: 0, weight: 20, matchTrafficWeight: false } },
      { setCanaryScale: { replicas: 0, weight: 20, matchTrafficWeight: false } },
    ],
    [
      'setCanaryScale replicas alone',
      { setCanaryScale: { replicas: 3 } },
      { setCanaryScale: { replicas: 3 } },
    ],
    ['setCanaryScale weight alone', { setCanaryScale: { weight: 3 } }, { setCanaryScale: { weight: 3 } }],
    [
      'setCanaryScale matchTrafficWeight alone',
      { setCanaryScale: { matchTrafficWeight: true } },
      { setCanaryScale: { matchTrafficWeight: true } },
    ],
    ['an empty setHeaderRoute', { setHeaderRoute: {} }, { setHeaderRoute: { name: '', match: null } }],
    [
      'setHeaderRoute matches: non-objects skipped, headerName and headerValue defaulted',
      { setHeaderRoute: { name: 'h', match: [7, {}, { headerName: 'x', headerValue: { prefix: 'p' } }] } },
      {
        setHeaderRoute: {
          name: 'h',
          match: [
            { headerName: '', headerValue: null },
            { headerName: 'x', headerValue: { prefix: 'p' } },
          ],
        },
      },
    ],
    ['an empty setMirrorRoute', { setMirrorRoute: {} }, { setMirrorRoute: { name: '', match: null } }],
    [
      'setMirrorRoute matches: each part read only when given',
      {
        setMirrorRoute: {
          name: 'm',
          percentage: 0,
          match: [
            5,
            {},
            { method: { exact: 'GET' } },
            { path: { regex: '/a.*' } },
            { headers: { 'x-a': { exact: '1' }, 'x-b': null } },
          ],
        },
      },
      {
        setMirrorRoute: {
          name: 'm',
          match: [
            {},
            { method: { exact: 'GET' } },
            { path: { regex: '/a.*' } },
            { headers: { 'x-a': { exact: '1' } } },
          ],
          percentage: 0,
        },
      },
    ],
    ['plugin is kept as written', { plugin: { name: 'p' } }, { plugin: { name: 'p' } }],
  ])('%s', (_name, wire, expected) => {
    expect(stepsOf([wire])).toStrictEqual([expected]);
  });
});

describe('parseRollout: status', () => {
  const statusOf = (status: unknown) => parseRollout(rolloutWith({}, status)).value?.status;
  const none = {
    currentStepIndex: undefined,
    stableRS: undefined,
    currentPodHash: undefined,
    abort: false,
    promoteFull: false,
    stablePingPong: undefined,
  };

  it('reads each field', () => {
    expect(
      statusOf({
        currentStepIndex: 2,
        stableRS: 'a',
        currentPodHash: 'b',
        abort: true,
        promoteFull: true,
        canary: { stablePingPong: 'pong' },
      }),
    ).toStrictEqual({
      currentStepIndex: 2,
      stableRS: 'a',
      currentPodHash: 'b',
      abort: true,
      promoteFull: true,
      stablePingPong: 'pong',
    });
  });

  it('has weights only when both canary and stable are objects', () => {
    expect(statusOf(undefined)).toStrictEqual(none);
    expect(statusOf({ canary: { weights: {} } })).toStrictEqual(none);
    expect(statusOf({ canary: { weights: { canary: { weight: 10 } } } })).toStrictEqual(none);
    expect(statusOf({ canary: { weights: { stable: { weight: 90 } } } })).toStrictEqual(none);
    expect(statusOf({ canary: { weights: { canary: { weight: 10 }, stable: 'junk' } } })).toStrictEqual(none);
  });

  it('defaults a destination without serviceName or weight; keeps readable additional destinations', () => {
    expect(
      statusOf({
        canary: {
          weights: {
            canary: {},
            stable: { serviceName: 's', weight: 90, podTemplateHash: 'aaa' },
            additional: [5, { serviceName: 'e', weight: 10 }],
          },
        },
      })?.weights,
    ).toStrictEqual({
      canary: { serviceName: '', weight: 0 },
      stable: { serviceName: 's', weight: 90, podTemplateHash: 'aaa' },
      additional: [{ serviceName: 'e', weight: 10 }],
    });
  });
});

describe('parseRollout: pod labels and revision', () => {
  const labelsOf = (spec: object) => parseRollout({ metadata: { name: 'web' }, spec }).value?.podLabels;

  it('reads the template labels, none without a template or with a workloadRef', () => {
    expect(labelsOf({ template: { metadata: { labels: { app: 'web' } } } })).toStrictEqual(
      stringMap({ app: 'web' }),
    );
    expect(labelsOf({ template: {} })).toStrictEqual(stringMap({}));
    expect(labelsOf({})).toBeUndefined();
    expect(
      labelsOf({
        workloadRef: { kind: 'Deployment', name: 'web' },
        template: { metadata: { labels: { app: 'web' } } },
      }),
    ).toBeUndefined();
  });

  it.each([
    ['2', 2],
    ['12', 12],
    ['0', 0],
    ['', undefined],
    ['abc', undefined],
    ['a1', undefined],
    ['1a', undefined],
    ['-1', undefined],
    [undefined, undefined],
  ])('revision annotation %j reads as %j', (text, revision) => {
    const annotations = text === undefined ? {} : { 'rollout.argoproj.io/revision': text };
    expect(parseRollout({ metadata: { name: 'web', annotations } }).value?.revision).toBe(revision);
  });
});
