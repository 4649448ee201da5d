/** Builders for validation tests: wire objects run through the real parsers. */
import type { ClusterView, Ingress, IngressClass, Rollout, Service } from '../../../src/routing/model.js';
import {
  parseIngress,
  parseIngressClass,
  parseRollout,
  parseService,
} from '../../../src/routing/wire/index.js';
import { parsedValue } from '../builders.js';

type Obj = Record<string, unknown>;

export function rolloutOf(canary: Obj, name = 'web'): Rollout {
  return parsedValue(parseRollout({ metadata: { name, namespace: 'shop' }, spec: { strategy: { canary } } }));
}

/** A valid ALB canary: stable/canary services, one Ingress, a weight step. */
export function albCanary(overrides: Obj = {}, alb: Obj = {}): Obj {
  return {
    stableService: 'web-stable',
    canaryService: 'web-canary',
    trafficRouting: { alb: { ingress: 'web', servicePort: 80, ...alb } },
    steps: [{ setWeight: 20 }, { pause: {} }],
    ...overrides,
  };
}

export function nginxCanary(overrides: Obj = {}, nginx: Obj = {}): Obj {
  return {
    stableService: 'web-stable',
    canaryService: 'web-canary',
    trafficRouting: { nginx: { stableIngress: 'web', ...nginx } },
    steps: [{ setWeight: 20 }, { pause: {} }],
    ...overrides,
  };
}

export function path(service: string, port: Obj, p = '/*', pathType = 'ImplementationSpecific'): Obj {
  return { path: p, pathType, backend: { service: { name: service, port } } };
}

export function ingressOf(
  name: string,
  paths: Obj[],
  extra: { annotations?: Obj; className?: string; host?: string } = {},
): Ingress {
  return parsedValue(
    parseIngress({
      metadata: { name, namespace: 'shop', annotations: extra.annotations ?? {} },
      spec: {
        ...(extra.className !== undefined ? { ingressClassName: extra.className } : {}),
        rules: [{ ...(extra.host !== undefined ? { host: extra.host } : {}), http: { paths } }],
      },
    }),
  );
}

export function serviceOf(name: string, ports: number[]): Service {
  return parsedValue(
    parseService({
      metadata: { name, namespace: 'shop' },
      spec: { ports: ports.map((port) => ({ name: `p${port}`, port })) },
    }),
  );
}

export function classOf(name: string, controller: string, isDefault = false): IngressClass {
  return parsedValue(
    parseIngressClass({
      metadata: {
        name,
        annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {},
      },
      spec: { controller },
    }),
  );
}

export const ALB_CLASS = classOf('alb', 'ingress.k8s.aws/alb');
export const NGINX_CLASS = classOf('nginx', 'k8s.io/ingress-nginx');

export function clusterOf(objects: {
  ingresses?: Ingress[];
  services?: Service[];
  classes?: IngressClass[];
}): ClusterView {
  const find = <T extends { namespace: string; name: string }>(
    list: T[] | undefined,
    ns: string,
    name: string,
  ) => list?.find((o) => o.namespace === ns && o.name === name);
  return {
    getIngress: (ns, name) => find(objects.ingresses, ns, name),
    getService: (ns, name) => find(objects.services, ns, name),
    getRollout: () => undefined,
    ingressClasses: () => objects.classes ?? [],
    rolloutsReferencingIngress: () => [],
    getRoute: () => undefined,
    rolloutsReferencingRoute: () => [],
  };
}

/** The cluster a correct ALB Rollout (albCanary) needs. */
export function healthyAlbCluster(
  overrides: { ingresses?: Ingress[]; services?: Service[]; classes?: IngressClass[] } = {},
): ClusterView {
  return clusterOf({
    ingresses: [
      ingressOf('web', [path('web-stable', { name: 'use-annotation' })], {
        className: 'alb',
        host: 'shop.example.com',
      }),
    ],
    services: [serviceOf('web-stable', [80]), serviceOf('web-canary', [80])],
    classes: [ALB_CLASS, NGINX_CLASS],
    ...overrides,
  });
}
