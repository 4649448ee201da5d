/** Wire-object builders for routing tests: a Rollout goes through the real parser. */
import { parseRollout, type Parsed } from '../../src/routing/wire/index.js';
import type { JsonObject, Rollout } from '../../src/routing/model.js';

/** Test input: any object shape, checked by the real parser. */
export type Loose = Record<string, unknown>;

export interface RolloutInput {
  name?: string;
  canary?: Loose;
  status?: Loose;
  annotations?: Record<string, string>;
}

/** The argo alb_test.go worked-example Rollout, with overrides merged into `spec.strategy.canary`. */
export function rollout(input: RolloutInput = {}): Rollout {
  const canary: Loose = {
    stableService: 'stable-svc',
    canaryService: 'canary-svc',
    trafficRouting: { alb: { ingress: 'ingress', servicePort: 443 } },
    ...input.canary,
  };
  const parsed = parseRollout({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: {
      name: input.name ?? 'rollout',
      namespace: 'default',
      uid: 'uid-1',
      ...(input.annotations ? { annotations: input.annotations } : {}),
    },
    spec: { strategy: { canary } },
    status: input.status ?? {},
  });
  if (!parsed.value || parsed.findings.length > 0) {
    throw new Error(`test Rollout does not parse: ${JSON.stringify(parsed.findings)}`);
  }
  return parsed.value;
}

/** The worked-example Rollout with extra `trafficRouting.alb` fields (stickiness, prefix, ...). */
export function albRollout(alb: Loose, input: RolloutInput = {}): Rollout {
  return rollout({
    ...input,
    canary: { trafficRouting: { alb: { ingress: 'ingress', servicePort: 443, ...alb } }, ...input.canary },
  });
}

/** Status of a Rollout in the middle of an update, with the controller's recorded weights. */
export function midRollout(canaryWeight: number, extra: Loose = {}): Loose {
  return {
    stableRS: 'stable-hash',
    currentPodHash: 'canary-hash',
    currentStepIndex: 0,
    canary: {
      weights: {
        canary: { weight: canaryWeight, serviceName: 'canary-svc', podTemplateHash: 'canary-hash' },
        stable: { weight: 100 - canaryWeight, serviceName: 'stable-svc', podTemplateHash: 'stable-hash' },
      },
    },
    ...extra,
  };
}

/** A networking/v1 path object. */
export function v1Path(
  service: string,
  path = '/',
  port: JsonObject = { name: 'use-annotation' },
): JsonObject {
  return { path, pathType: 'ImplementationSpecific', backend: { service: { name: service, port } } };
}

/** The argo alb_test.go Ingress: class annotation, one rule with a stable-svc use-annotation path. */
export function albIngress(
  paths: JsonObject[] = [v1Path('stable-svc')],
  annotations?: JsonObject,
): JsonObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'ingress',
      namespace: 'default',
      annotations: annotations ?? { 'kubernetes.io/ingress.class': 'alb' },
    },
    spec: { rules: [{ host: 'example.com', http: { paths } }] },
  };
}

/**
 * The model object a test's wire object parses into. A fixture that does not parse fails the
 * test right here, with the parser's findings, instead of as an `undefined` further on.
 */
export function parsedValue<T>(parsed: Parsed<T>): T {
  if (parsed.value === undefined) {
    throw new Error(`test fixture does not parse: ${JSON.stringify(parsed.findings)}`);
  }
  return parsed.value;
}
