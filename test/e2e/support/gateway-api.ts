import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';
import { canaryRollout, type CanaryNames, type CanaryStep } from './manifests.js';
import { waitForState } from './wait.js';

/** The plugin's name in the controller's configuration and in a Rollout's trafficRouting.plugins. */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';

const HTTPROUTES = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;

export interface BackendRef {
  name: string;
  port?: number;
  weight?: number;
}

export interface HttpRouteRule {
  name?: string;
  matches?: { path?: unknown; headers?: { type?: string; name: string; value: string }[] }[];
  backendRefs?: BackendRef[];
}

export interface HttpRoute {
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: { rules?: HttpRouteRule[] };
}

/**
 * The HTTPRoute as Git holds it: one rule with both Services and no weights. Git never
 * carries the canary's weight; with Gateway API's default weight of 1 the two would split
 * traffic 1:1 once applied unguarded.
 */
export function gitHttpRoute(names: CanaryNames, route: string): KubernetesObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: route },
    spec: {
      rules: [
        {
          backendRefs: [
            { name: names.stableService, port: names.servicePort },
            { name: names.canaryService, port: names.servicePort },
          ],
        },
      ],
    },
  } as KubernetesObject;
}

/** A canary Rollout whose traffic goes through the Gateway API plugin, on one HTTPRoute. */
export function gatewayApiRollout(
  names: CanaryNames,
  {
    route,
    namespace,
    steps,
    managedRoutes,
  }: {
    route: string;
    namespace: string;
    steps: readonly CanaryStep[];
    managedRoutes?: readonly string[];
  },
): KubernetesObject {
  return canaryRollout(names, {
    steps,
    trafficRouting: {
      plugins: { [GATEWAY_API_PLUGIN]: { namespace, httpRoutes: [{ name: route, useHeaderRoutes: true }] } },
      ...(managedRoutes ? { managedRoutes: managedRoutes.map((name) => ({ name })) } : {}),
    },
  });
}

export async function readHttpRoute(cluster: Cluster, namespace: string, name: string): Promise<HttpRoute> {
  return (await cluster.custom.getNamespacedCustomObject({ ...HTTPROUTES, namespace, name })) as HttpRoute;
}

/** Waits until the route satisfies `ready`; the timeout error shows its last rules. */
export function waitForHttpRoute(
  cluster: Cluster,
  namespace: string,
  name: string,
  what: string,
  ready: (route: HttpRoute) => boolean,
): Promise<HttpRoute> {
  return waitForState(
    `HTTPRoute ${namespace}/${name} ${what}`,
    () => readHttpRoute(cluster, namespace, name),
    ready,
    (route) => route.spec.rules,
  );
}

/** The rule carrying both Services (the plugin's header rules carry the canary alone). */
function trafficRule(route: HttpRoute, names: CanaryNames): HttpRouteRule | undefined {
  return route.spec.rules?.find((rule) => {
    const refs = (rule.backendRefs ?? []).map((ref) => ref.name);
    return refs.includes(names.stableService) && refs.includes(names.canaryService);
  });
}

/** `stable/canary` weights of the traffic rule as stored (the CRD defaults a missing weight to 1). */
export function routeWeights(route: HttpRoute, names: CanaryNames): string {
  const rule = trafficRule(route, names);
  const weight = (service: string) => rule?.backendRefs?.find((ref) => ref.name === service)?.weight;
  return `${weight(names.stableService)}/${weight(names.canaryService)}`;
}

export function ruleNamed(route: HttpRoute, name: string): HttpRouteRule | undefined {
  return route.spec.rules?.find((rule) => rule.name === name);
}
