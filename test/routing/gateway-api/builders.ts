/**
 * Literals for the Gateway API tests: a Rollout configured for the plugin and routes shaped
 * like the plugin's own test fixtures (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi
 * v0.15.0, pkg/mocks/plugin.go and pkg/plugin/plugin_test.go): one rule with the stable and
 * canary Services on port 80.
 */
import type { JsonObject, Rollout } from '../../../src/routing/model.js';
import { parseRollout } from '../../../src/routing/wire/index.js';
import { parsedValue } from '../builders.js';

export const STABLE = 'web-stable';
export const CANARY = 'web-canary';

export interface RolloutOptions {
  status?: JsonObject;
  plugin?: JsonObject;
  steps?: JsonObject[];
  managedRoutes?: string[];
  namespace?: string;
  revision?: string;
}

export const HEADER_STEP: JsonObject = {
  setHeaderRoute: {
    name: 'canary-by-header',
    match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
  },
};

export const DEFAULT_STEPS: JsonObject[] = [
  { setWeight: 20 },
  { pause: {} },
  HEADER_STEP,
  { pause: {} },
  { setWeight: 50 },
  { pause: {} },
];

export function pluginRollout(options: RolloutOptions = {}): Rollout {
  return parsedValue(
    parseRollout({
      metadata: {
        name: 'web',
        namespace: options.namespace ?? 'shop',
        annotations: { 'rollout.argoproj.io/revision': options.revision ?? '2' },
      },
      spec: {
        strategy: {
          canary: {
            stableService: STABLE,
            canaryService: CANARY,
            trafficRouting: {
              managedRoutes: (options.managedRoutes ?? ['canary-by-header']).map((name) => ({ name })),
              plugins: { 'argoproj-labs/gatewayAPI': options.plugin ?? { httpRoute: 'web' } },
            },
            steps: options.steps ?? DEFAULT_STEPS,
          },
        },
      },
      status: options.status ?? {},
    }),
  );
}

/** Status of a Rollout at `step` with `weight` recorded by the controller. */
export function midCanary(step: number, weight: number, extra: JsonObject = {}): JsonObject {
  return {
    currentPodHash: 'new',
    stableRS: 'old',
    currentStepIndex: step,
    canary: {
      weights: {
        canary: { weight, serviceName: CANARY, podTemplateHash: 'new' },
        stable: { weight: 100 - weight, serviceName: STABLE, podTemplateHash: 'old' },
      },
    },
    ...extra,
  };
}

export function ref(name: string, weight?: number, port = 80): JsonObject {
  const out: JsonObject = { group: '', kind: 'Service', name, port };
  if (weight !== undefined) out.weight = weight;
  return out;
}

export function rule(refs: JsonObject[], extra: JsonObject = {}): JsonObject {
  return { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: refs, ...extra };
}

export function httpRoute(rules: JsonObject[], labels?: Record<string, string>): JsonObject {
  const metadata: JsonObject = { name: 'web', namespace: 'shop' };
  if (labels) metadata.labels = labels;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata,
    spec: { parentRefs: [{ name: 'gateway' }], rules },
  };
}

export function grpcRoute(rules: JsonObject[], labels?: Record<string, string>): JsonObject {
  return { ...httpRoute(rules, labels), kind: 'GRPCRoute' };
}

export const LABEL = 'rollouts.argoproj.io/gatewayapi-canary';

/**
 * Freezes `value` and everything in it (iteratively), so that a guard writing into its input
 * instead of a copy throws (ES modules are strict), and returns it.
 */
export function deepFrozen<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue;
    Object.freeze(next);
    pending.push(...Object.values(next));
  }
  return value;
}
