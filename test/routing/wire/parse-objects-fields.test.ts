/**
 * Every field the object parsers read, one row each: a well-formed object of each kind with
 * that one field given a value of the wrong type must give exactly one `malformed-field`
 * error, at that field's path (written out here, in the Kubernetes API's field names:
 * core/v1 Service, networking.k8s.io/v1 Ingress and IngressClass, extensions/v1beta1
 * IngressBackend, and argoproj/argo-rollouts v1.10.x pkg/apis/rollouts/v1alpha1/types.go).
 * Every parse runs inside its test, so per-test coverage (mutation runs) sees it.
 */
import { describe, expect, it } from 'vitest';
import {
  parseIngress,
  parseIngressClass,
  parseRollout,
  parseService,
  type Parsed,
} from '../../../src/routing/wire/index.js';

type Step = string | number;
/** One field: where it is in the object, a value of the wrong type, its path, the type wanted. */
type FieldRow = [where: Step[], wrong: unknown, field: string, wanted: string];

/** A copy of `base` with the value at `where` replaced (created when absent). */
function withValue(base: object, where: Step[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<Step, unknown>;
  let at = copy;
  for (const step of where.slice(0, -1)) at = at[step] as Record<Step, unknown>;
  at[where[where.length - 1]!] = value;
  return copy;
}

function expectOneMalformedField(parsed: Parsed<unknown>, field: string, wanted: string): void {
  expect(parsed.findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
    ['malformed-field', 'error', field],
  ]);
  expect(parsed.findings[0]?.message.startsWith(`${field} must be ${wanted}, got `)).toBe(true);
}

const service = {
  metadata: { name: 's', namespace: 'shop', uid: 'u-1', generation: 2, annotations: { team: 'a' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
};

const SERVICE_FIELDS: FieldRow[] = [
  [['metadata', 'namespace'], 5, 'metadata.namespace', 'a string'],
  [['metadata', 'uid'], 5, 'metadata.uid', 'a string'],
  [['metadata', 'generation'], '2', 'metadata.generation', 'an integer'],
  [['metadata', 'annotations'], 5, 'metadata.annotations', 'an object'],
  [['metadata', 'annotations', 'team'], 5, 'metadata.annotations["team"]', 'a string'],
  [['spec'], 5, 'spec', 'an object'],
  [['spec', 'ports'], {}, 'spec.ports', 'an array'],
  [['spec', 'ports', 0], 5, 'spec.ports[0]', 'an object'],
  [['spec', 'ports', 0, 'port'], '80', 'spec.ports[0].port', 'an integer'],
  [['spec', 'ports', 0, 'name'], 5, 'spec.ports[0].name', 'a string'],
  [['spec', 'selector'], 5, 'spec.selector', 'an object'],
  [['spec', 'selector', 'app'], 5, 'spec.selector["app"]', 'a string'],
];

const ingressClass = { metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } };

const INGRESS_CLASS_FIELDS: FieldRow[] = [
  [['spec'], [], 'spec', 'an object'],
  [['spec', 'controller'], 5, 'spec.controller', 'a string'],
];

const PATH0 = 'spec.rules[0].http.paths[0]';
const ingress = {
  metadata: { name: 'web', namespace: 'shop' },
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
          ],
        },
      },
    ],
  },
};
const P0: Step[] = ['spec', 'rules', 0, 'http', 'paths', 0];

const INGRESS_FIELDS: FieldRow[] = [
  [['spec', 'ingressClassName'], 5, 'spec.ingressClassName', 'a string'],
  [['spec', 'defaultBackend'], 5, 'spec.defaultBackend', 'an object'],
  [['spec', 'defaultBackend', 'service'], 5, 'spec.defaultBackend.service', 'an object'],
  [['spec', 'rules'], {}, 'spec.rules', 'an array'],
  [['spec', 'rules', 0], 5, 'spec.rules[0]', 'an object'],
  [['spec', 'rules', 0, 'host'], 5, 'spec.rules[0].host', 'a string'],
  [['spec', 'rules', 0, 'http'], 5, 'spec.rules[0].http', 'an object'],
  [['spec', 'rules', 0, 'http', 'paths'], {}, 'spec.rules[0].http.paths', 'an array'],
  [P0, 5, PATH0, 'an object'],
  [[...P0, 'path'], 5, `${PATH0}.path`, 'a string'],
  [[...P0, 'pathType'], 5, `${PATH0}.pathType`, 'a string'],
  [[...P0, 'backend'], 5, `${PATH0}.backend`, 'an object'],
  [[...P0, 'backend', 'service'], 5, `${PATH0}.backend.service`, 'an object'],
  [[...P0, 'backend', 'service', 'name'], 5, `${PATH0}.backend.service.name`, 'a string'],
  [[...P0, 'backend', 'service', 'port'], 5, `${PATH0}.backend.service.port`, 'an object'],
  [[...P0, 'backend', 'service', 'port', 'name'], 5, `${PATH0}.backend.service.port.name`, 'a string'],
  [
    [...P0, 'backend', 'service', 'port', 'number'],
    '80',
    `${PATH0}.backend.service.port.number`,
    'an integer',
  ],
];

/** extensions/v1beta1: `spec.backend` and `serviceName`/`servicePort`. */
const legacyIngress = {
  metadata: { name: 'old' },
  spec: {
    backend: { serviceName: 'fallback', servicePort: 80 },
    rules: [{ http: { paths: [{ path: '/', backend: { serviceName: 'web', servicePort: 'http' } }] } }],
  },
};

const LEGACY_INGRESS_FIELDS: FieldRow[] = [
  [['spec', 'backend'], 5, 'spec.backend', 'an object'],
  [['spec', 'backend', 'serviceName'], 5, 'spec.backend.serviceName', 'a string'],
  [[...P0, 'backend', 'serviceName'], 5, `${PATH0}.backend.serviceName`, 'a string'],
  [[...P0, 'backend', 'servicePort'], 1.5, `${PATH0}.backend.servicePort`, 'an integer or a string'],
];

const CANARY = 'spec.strategy.canary';
const TR = `${CANARY}.trafficRouting`;
const rollout = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    template: { metadata: { labels: { app: 'web' } } },
    strategy: {
      canary: {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        pingPong: { pingService: 'web-ping', pongService: 'web-pong' },
        dynamicStableScale: true,
        scaleDownDelaySeconds: 30,
        abortScaleDownDelaySeconds: 10,
        maxSurge: '25%',
        maxUnavailable: 0,
        trafficRouting: {
          maxTrafficWeight: 100,
          alb: {
            ingress: 'web',
            ingresses: ['web-2'],
            servicePort: 80,
            rootService: 'web-root',
            annotationPrefix: 'custom.alb',
            stickinessConfig: { enabled: true, durationSeconds: 300 },
          },
          nginx: {
            stableIngress: 'web',
            stableIngresses: ['web-2'],
            annotationPrefix: 'custom.nginx',
            additionalIngressAnnotations: { 'canary-by-header': 'x-canary' },
            canaryIngressAnnotations: { 'x-extra': 'y' },
          },
          istio: { virtualService: { name: 'vs' } },
          managedRoutes: [{ name: 'hdr' }],
          plugins: {},
        },
        steps: [
          { setWeight: 10 },
          { pause: { duration: '10s' } },
          { experiment: { templates: [{ name: 'exp', weight: 5 }] } },
          { analysis: { templates: [{ templateName: 'success-rate' }] } },
          { setCanaryScale: { replicas: 2, weight: 10, matchTrafficWeight: true } },
          {
            setHeaderRoute: {
              name: 'hdr',
              match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
            },
          },
          {
            setMirrorRoute: {
              name: 'mirror',
              percentage: 50,
              match: [
                { method: { exact: 'GET' }, path: { prefix: '/a' }, headers: { 'x-a': { regex: 'b.*' } } },
              ],
            },
          },
          { plugin: { name: 'p' } },
        ],
      },
    },
  },
  status: {
    currentStepIndex: 1,
    stableRS: 'aaa',
    currentPodHash: 'bbb',
    abort: false,
    promoteFull: false,
    canary: {
      stablePingPong: 'ping',
      weights: {
        canary: { serviceName: 'web-canary', weight: 10, podTemplateHash: 'bbb' },
        stable: { serviceName: 'web-stable', weight: 85, podTemplateHash: 'aaa' },
        additional: [{ serviceName: 'web-exp', weight: 5, podTemplateHash: 'ccc' }],
      },
    },
  },
};
const C: Step[] = ['spec', 'strategy', 'canary'];
const T: Step[] = [...C, 'trafficRouting'];
const step = (i: number, ...more: Step[]): Step[] => [...C, 'steps', i, ...more];
const W: Step[] = ['status', 'canary', 'weights'];
const WF = 'status.canary.weights';

const ROLLOUT_FIELDS: FieldRow[] = [
  [['spec', 'strategy'], 5, 'spec.strategy', 'an object'],
  [['spec', 'template'], 5, 'spec.template', 'an object'],
  [['spec', 'template', 'metadata'], 5, 'spec.template.metadata', 'an object'],
  [['spec', 'template', 'metadata', 'labels'], 5, 'spec.template.metadata.labels', 'an object'],
  [C, 5, CANARY, 'an object'],
  [[...C, 'stableService'], 5, `${CANARY}.stableService`, 'a string'],
  [[...C, 'canaryService'], 5, `${CANARY}.canaryService`, 'a string'],
  [[...C, 'pingPong'], 5, `${CANARY}.pingPong`, 'an object'],
  [[...C, 'pingPong', 'pingService'], 5, `${CANARY}.pingPong.pingService`, 'a string'],
  [[...C, 'pingPong', 'pongService'], 5, `${CANARY}.pingPong.pongService`, 'a string'],
  [[...C, 'dynamicStableScale'], 'yes', `${CANARY}.dynamicStableScale`, 'a boolean'],
  [[...C, 'scaleDownDelaySeconds'], '30', `${CANARY}.scaleDownDelaySeconds`, 'an integer'],
  [[...C, 'abortScaleDownDelaySeconds'], '10', `${CANARY}.abortScaleDownDelaySeconds`, 'an integer'],
  [[...C, 'maxSurge'], 1.5, `${CANARY}.maxSurge`, 'an integer or a string'],
  [[...C, 'maxUnavailable'], 1.5, `${CANARY}.maxUnavailable`, 'an integer or a string'],
  [T, 5, TR, 'an object'],
  [[...T, 'maxTrafficWeight'], '100', `${TR}.maxTrafficWeight`, 'an integer'],
  [[...T, 'alb'], 5, `${TR}.alb`, 'an object'],
  [[...T, 'alb', 'ingress'], 5, `${TR}.alb.ingress`, 'a string'],
  [[...T, 'alb', 'ingresses'], {}, `${TR}.alb.ingresses`, 'an array'],
  [[...T, 'alb', 'ingresses', 0], 5, `${TR}.alb.ingresses[0]`, 'a string'],
  [[...T, 'alb', 'servicePort'], '80', `${TR}.alb.servicePort`, 'an integer'],
  [[...T, 'alb', 'rootService'], 5, `${TR}.alb.rootService`, 'a string'],
  [[...T, 'alb', 'annotationPrefix'], 5, `${TR}.alb.annotationPrefix`, 'a string'],
  [[...T, 'alb', 'stickinessConfig'], 5, `${TR}.alb.stickinessConfig`, 'an object'],
  [[...T, 'alb', 'stickinessConfig', 'enabled'], 'yes', `${TR}.alb.stickinessConfig.enabled`, 'a boolean'],
  [
    [...T, 'alb', 'stickinessConfig', 'durationSeconds'],
    '300',
    `${TR}.alb.stickinessConfig.durationSeconds`,
    'an integer',
  ],
  [[...T, 'nginx'], 5, `${TR}.nginx`, 'an object'],
  [[...T, 'nginx', 'stableIngress'], 5, `${TR}.nginx.stableIngress`, 'a string'],
  [[...T, 'nginx', 'stableIngresses'], {}, `${TR}.nginx.stableIngresses`, 'an array'],
  [[...T, 'nginx', 'annotationPrefix'], 5, `${TR}.nginx.annotationPrefix`, 'a string'],
  [
    [...T, 'nginx', 'additionalIngressAnnotations'],
    5,
    `${TR}.nginx.additionalIngressAnnotations`,
    'an object',
  ],
  [[...T, 'nginx', 'canaryIngressAnnotations'], 5, `${TR}.nginx.canaryIngressAnnotations`, 'an object'],
  [[...T, 'istio'], 5, `${TR}.istio`, 'an object'],
  [[...T, 'plugins'], 5, `${TR}.plugins`, 'an object'],
  [[...T, 'managedRoutes'], {}, `${TR}.managedRoutes`, 'an array'],
  [[...T, 'managedRoutes', 0], 5, `${TR}.managedRoutes[0]`, 'an object'],
  [[...T, 'managedRoutes', 0, 'name'], 5, `${TR}.managedRoutes[0].name`, 'a string'],
  [[...C, 'steps'], {}, `${CANARY}.steps`, 'an array'],
  [step(0), 5, `${CANARY}.steps[0]`, 'an object'],
  [step(0, 'setWeight'), '10', `${CANARY}.steps[0].setWeight`, 'an integer'],
  [step(1, 'pause'), 5, `${CANARY}.steps[1].pause`, 'an object'],
  [step(1, 'pause', 'duration'), true, `${CANARY}.steps[1].pause.duration`, 'an integer or a string'],
  [step(2, 'experiment'), 5, `${CANARY}.steps[2].experiment`, 'an object'],
  [step(2, 'experiment', 'templates'), {}, `${CANARY}.steps[2].experiment.templates`, 'an array'],
  [step(2, 'experiment', 'templates', 0), 5, `${CANARY}.steps[2].experiment.templates[0]`, 'an object'],
  [
    step(2, 'experiment', 'templates', 0, 'weight'),
    '5',
    `${CANARY}.steps[2].experiment.templates[0].weight`,
    'an integer',
  ],
  [
    step(2, 'experiment', 'templates', 0, 'name'),
    5,
    `${CANARY}.steps[2].experiment.templates[0].name`,
    'a string',
  ],
  [step(3, 'analysis'), 5, `${CANARY}.steps[3].analysis`, 'an object'],
  [step(4, 'setCanaryScale'), 5, `${CANARY}.steps[4].setCanaryScale`, 'an object'],
  [step(4, 'setCanaryScale', 'replicas'), '2', `${CANARY}.steps[4].setCanaryScale.replicas`, 'an integer'],
  [step(4, 'setCanaryScale', 'weight'), '10', `${CANARY}.steps[4].setCanaryScale.weight`, 'an integer'],
  [
    step(4, 'setCanaryScale', 'matchTrafficWeight'),
    'yes',
    `${CANARY}.steps[4].setCanaryScale.matchTrafficWeight`,
    'a boolean',
  ],
  [step(5, 'setHeaderRoute'), 5, `${CANARY}.steps[5].setHeaderRoute`, 'an object'],
  [step(5, 'setHeaderRoute', 'name'), 5, `${CANARY}.steps[5].setHeaderRoute.name`, 'a string'],
  [step(5, 'setHeaderRoute', 'match'), {}, `${CANARY}.steps[5].setHeaderRoute.match`, 'an array'],
  [
    step(5, 'setHeaderRoute', 'match', 0, 'headerName'),
    5,
    `${CANARY}.steps[5].setHeaderRoute.match[0].headerName`,
    'a string',
  ],
  [
    step(5, 'setHeaderRoute', 'match', 0, 'headerValue'),
    5,
    `${CANARY}.steps[5].setHeaderRoute.match[0].headerValue`,
    'an object',
  ],
  ...(['exact', 'prefix', 'regex'] as const).map((kind): FieldRow => [
    step(5, 'setHeaderRoute', 'match', 0, 'headerValue', kind),
    5,
    `${CANARY}.steps[5].setHeaderRoute.match[0].headerValue.${kind}`,
    'a string',
  ]),
  [step(6, 'setMirrorRoute'), 5, `${CANARY}.steps[6].setMirrorRoute`, 'an object'],
  [step(6, 'setMirrorRoute', 'name'), 5, `${CANARY}.steps[6].setMirrorRoute.name`, 'a string'],
  [
    step(6, 'setMirrorRoute', 'percentage'),
    '50',
    `${CANARY}.steps[6].setMirrorRoute.percentage`,
    'an integer',
  ],
  [step(6, 'setMirrorRoute', 'match'), {}, `${CANARY}.steps[6].setMirrorRoute.match`, 'an array'],
  [
    step(6, 'setMirrorRoute', 'match', 0, 'method'),
    5,
    `${CANARY}.steps[6].setMirrorRoute.match[0].method`,
    'an object',
  ],
  [
    step(6, 'setMirrorRoute', 'match', 0, 'path'),
    5,
    `${CANARY}.steps[6].setMirrorRoute.match[0].path`,
    'an object',
  ],
  [
    step(6, 'setMirrorRoute', 'match', 0, 'headers'),
    5,
    `${CANARY}.steps[6].setMirrorRoute.match[0].headers`,
    'an object',
  ],
  [
    step(6, 'setMirrorRoute', 'match', 0, 'headers', 'x-a'),
    5,
    `${CANARY}.steps[6].setMirrorRoute.match[0].headers.x-a`,
    'an object',
  ],
  [step(7, 'plugin'), 5, `${CANARY}.steps[7].plugin`, 'an object'],
  [['status'], 5, 'status', 'an object'],
  [['status', 'currentStepIndex'], '1', 'status.currentStepIndex', 'an integer'],
  [['status', 'stableRS'], 5, 'status.stableRS', 'a string'],
  [['status', 'currentPodHash'], 5, 'status.currentPodHash', 'a string'],
  [['status', 'abort'], 'no', 'status.abort', 'a boolean'],
  [['status', 'promoteFull'], 'no', 'status.promoteFull', 'a boolean'],
  [['status', 'canary'], 5, 'status.canary', 'an object'],
  [['status', 'canary', 'stablePingPong'], 5, 'status.canary.stablePingPong', 'a string'],
  [W, 5, WF, 'an object'],
  [[...W, 'canary'], 5, `${WF}.canary`, 'an object'],
  [[...W, 'stable'], 5, `${WF}.stable`, 'an object'],
  [[...W, 'canary', 'serviceName'], 5, `${WF}.canary.serviceName`, 'a string'],
  [[...W, 'canary', 'weight'], '10', `${WF}.canary.weight`, 'an integer'],
  [[...W, 'canary', 'podTemplateHash'], 5, `${WF}.canary.podTemplateHash`, 'a string'],
  [[...W, 'stable', 'weight'], '85', `${WF}.stable.weight`, 'an integer'],
  [[...W, 'additional'], {}, `${WF}.additional`, 'an array'],
  [[...W, 'additional', 0], 5, `${WF}.additional[0]`, 'an object'],
  [[...W, 'additional', 0, 'weight'], '5', `${WF}.additional[0].weight`, 'an integer'],
];

describe('each field of the wrong type gives one malformed-field error at its path', () => {
  it('the well-formed objects of each kind give no findings', () => {
    expect(parseService(service).findings).toEqual([]);
    expect(parseIngressClass(ingressClass).findings).toEqual([]);
    expect(parseIngress(ingress).findings).toEqual([]);
    expect(parseIngress(legacyIngress).findings).toEqual([]);
    expect(parseRollout(rollout).findings).toEqual([]);
  });

  it.each(SERVICE_FIELDS)('Service %j = %j: %s', (where, wrong, field, wanted) => {
    expectOneMalformedField(parseService(withValue(service, where, wrong)), field, wanted);
  });

  it.each(INGRESS_CLASS_FIELDS)('IngressClass %j = %j: %s', (where, wrong, field, wanted) => {
    expectOneMalformedField(parseIngressClass(withValue(ingressClass, where, wrong)), field, wanted);
  });

  it.each(INGRESS_FIELDS)('Ingress %j = %j: %s', (where, wrong, field, wanted) => {
    expectOneMalformedField(parseIngress(withValue(ingress, where, wrong)), field, wanted);
  });

  it.each(LEGACY_INGRESS_FIELDS)('legacy Ingress %j = %j: %s', (where, wrong, field, wanted) => {
    expectOneMalformedField(parseIngress(withValue(legacyIngress, where, wrong)), field, wanted);
  });

  it.each(ROLLOUT_FIELDS)('Rollout %j = %j: %s', (where, wrong, field, wanted) => {
    expectOneMalformedField(parseRollout(withValue(rollout, where, wrong)), field, wanted);
  });
});
