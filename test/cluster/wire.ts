/** Builders of wire objects (what the apiserver sends) for the cluster-state tests. */
import type { JsonObject } from '../../src/routing/model.js';

export interface RolloutRefs {
  albIngress?: string;
  albIngresses?: string[];
  nginxStable?: string;
  nginxStables?: string[];
  weight?: number;
}

export function wireRollout(namespace: string, name: string, refs: RolloutRefs = {}, rv = '1'): JsonObject {
  const alb: JsonObject = { servicePort: 80 };
  if (refs.albIngress !== undefined) alb['ingress'] = refs.albIngress;
  if (refs.albIngresses !== undefined) alb['ingresses'] = refs.albIngresses;
  const nginx: JsonObject = {};
  if (refs.nginxStable !== undefined) nginx['stableIngress'] = refs.nginxStable;
  if (refs.nginxStables !== undefined) nginx['stableIngresses'] = refs.nginxStables;
  const trafficRouting: JsonObject = {};
  if (Object.keys(alb).length > 1) trafficRouting['alb'] = alb;
  if (Object.keys(nginx).length > 0) trafficRouting['nginx'] = nginx;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace, resourceVersion: rv, uid: `uid-${namespace}-${name}` },
    spec: {
      strategy: {
        canary: {
          stableService: `${name}-stable`,
          canaryService: `${name}-canary`,
          trafficRouting,
          steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '10m' } }],
        },
      },
    },
    status: {
      currentStepIndex: 1,
      stableRS: 'abc123',
      currentPodHash: 'def456',
      canary: {
        weights: {
          canary: { serviceName: `${name}-canary`, podTemplateHash: 'def456', weight: refs.weight ?? 20 },
          stable: {
            serviceName: `${name}-stable`,
            podTemplateHash: 'abc123',
            weight: 100 - (refs.weight ?? 20),
          },
        },
      },
    },
  };
}

export function wireIngress(
  namespace: string,
  name: string,
  rv = '1',
  extra: Record<string, string> = {},
): JsonObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace,
      resourceVersion: rv,
      annotations: {
        'alb.ingress.kubernetes.io/scheme': 'internet-facing',
        'alb.ingress.kubernetes.io/target-type': 'ip',
        ...extra,
      },
    },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          host: `${name}.example.com`,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: `${name}-root`, port: { name: 'use-annotation' } } },
              },
            ],
          },
        },
      ],
    },
  };
}

export function wireService(namespace: string, name: string, rv = '1', port = 80): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, resourceVersion: rv },
    spec: { ports: [{ name: 'http', port }] },
  };
}

export function wireIngressClass(name: string, controller: string, rv = '1'): JsonObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, resourceVersion: rv },
    spec: { controller },
  };
}
