import type { KubernetesObject, V1Ingress, V1Service } from '@kubernetes/client-node';

/** Names of one canary setup: a Rollout, its two Services and the Ingress it routes through. */
export interface CanaryNames {
  readonly rollout: string;
  readonly stableService: string;
  readonly canaryService: string;
  readonly ingress: string;
  readonly servicePort: number;
}

/** The names of the worked example (argo alb_test.go, see docs/routing.md), so observed bytes compare 1:1. */
export const REFERENCE_EXAMPLE_NAMES: CanaryNames = {
  rollout: 'rollout',
  stableService: 'stable-svc',
  canaryService: 'canary-svc',
  ingress: 'ingress',
  servicePort: 443,
};

export type CanaryStep = { setWeight: number } | { pause: { duration?: string } } | Record<string, unknown>;

export type Router = 'alb' | 'nginx';

export function canaryServices(names: CanaryNames): V1Service[] {
  return [names.stableService, names.canaryService].map((name) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: {
      selector: { app: names.rollout },
      ports: [{ name: 'http', port: names.servicePort, targetPort: 8080 }],
    },
  }));
}

/**
 * The stable Ingress as a user writes it. ALB: class by annotation, backend port
 * `use-annotation` so the action annotation decides the target groups. NGINX: class by
 * spec.ingressClassName and a numbered backend port.
 */
export function stableIngress(names: CanaryNames, router: Router): V1Ingress {
  const backend =
    router === 'alb'
      ? { service: { name: names.stableService, port: { name: 'use-annotation' } } }
      : { service: { name: names.stableService, port: { number: names.servicePort } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: names.ingress,
      ...(router === 'alb' ? { annotations: { 'kubernetes.io/ingress.class': 'alb' } } : {}),
    },
    spec: {
      ...(router === 'nginx' ? { ingressClassName: 'nginx' } : {}),
      rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
    },
  };
}

export interface RolloutOptions {
  readonly router?: Router;
  /** Replaces the router's trafficRouting (e.g. a traffic-router plugin's configuration). */
  readonly trafficRouting?: Record<string, unknown>;
  readonly steps: readonly CanaryStep[];
  /** Route names for `setHeaderRoute` steps (ALB), in precedence order. */
  readonly managedRoutes?: readonly string[];
  readonly replicas?: number;
  readonly image?: string;
}

/** A canary Rollout with traffic routing through the given Ingress. Pods never run: no kubelet. */
export function canaryRollout(
  names: CanaryNames,
  {
    router,
    trafficRouting: given,
    steps,
    managedRoutes,
    replicas = 5,
    image = 'registry.invalid/demo:1',
  }: RolloutOptions,
): KubernetesObject {
  const trafficRouting = given ?? {
    ...(router === 'alb'
      ? { alb: { ingress: names.ingress, servicePort: names.servicePort } }
      : { nginx: { stableIngress: names.ingress } }),
    ...(managedRoutes ? { managedRoutes: managedRoutes.map((name) => ({ name })) } : {}),
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: names.rollout },
    spec: {
      replicas,
      selector: { matchLabels: { app: names.rollout } },
      template: {
        metadata: { labels: { app: names.rollout } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
      strategy: {
        canary: {
          stableService: names.stableService,
          canaryService: names.canaryService,
          trafficRouting,
          steps,
        },
      },
    },
  } as KubernetesObject;
}

/**
 * Services, Ingress and Rollout in the order they must be created (the Rollout checks the
 * others exist). An ALB Ingress starts as Git would hold it, with the all-to-stable action.
 */
export function canarySetup(names: CanaryNames, options: RolloutOptions): KubernetesObject[] {
  const ingress = options.router === 'alb' ? gitAlbIngress(names) : stableIngress(names, 'nginx');
  return [...canaryServices(names), ingress, canaryRollout(names, options)];
}

/** The ALB action that sends all traffic to the stable Service: what a Git manifest carries. */
export function allToStableAction(names: CanaryNames): string {
  return `{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"${names.stableService}","ServicePort":"${names.servicePort}","Weight":100}]}}`;
}

/**
 * The stable ALB Ingress as kept in Git: with the all-to-stable action, so the load
 * balancer routes before any Rollout exists (and the `use-annotation` backend is valid).
 */
export function gitAlbIngress(names: CanaryNames): V1Ingress {
  const ingress = stableIngress(names, 'alb');
  ingress.metadata!.annotations![`alb.ingress.kubernetes.io/actions.${names.stableService}`] =
    allToStableAction(names);
  return ingress;
}

/** An ALB Ingress whose backend uses a port number: the canary never gets traffic. */
export function miswiredIngress(n: CanaryNames): V1Ingress {
  const ingress = gitAlbIngress(n);
  ingress.spec!.rules![0]!.http!.paths[0]!.backend.service!.port = { number: n.servicePort };
  return ingress;
}

/** The Services, an Ingress with a numbered port, and the Rollout that routes through it. */
export function miswiredApp(n: CanaryNames): KubernetesObject[] {
  return [
    ...canaryServices(n),
    miswiredIngress(n),
    canaryRollout(n, { router: 'alb', steps: [{ setWeight: 20 }, { pause: {} }] }),
  ];
}
