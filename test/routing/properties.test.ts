/**
 * Property tests of the routing core: determinism, idempotence, weight sums, and, on arbitrary
 * input, no throw, well-formed findings and renders that decode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  desiredAlbIngress,
  parseAlbAction,
  parseAlbConditions,
  parseLegacyManagedAlbActions,
  parseManagedAlbAnnotations,
  renderAlbState,
  renderManagedAlbAnnotations,
} from '../../src/routing/alb/index.js';
import { renderHeaderRouteConditions, renderWeightAction } from '../../src/routing/alb/render.js';
import { applyPatch } from 'fast-json-patch';
import { guardIngress } from '../../src/routing/drift-guard.js';
import { goJson } from '../../src/routing/go/index.js';
import { MANAGED_ALB_ANNOTATIONS } from '../../src/routing/keys.js';
import { diff } from '../../src/webhook/patch.js';
import type { JsonObject, Rollout } from '../../src/routing/model.js';
import { desiredCanaryAnnotations, desiredCanaryIngress } from '../../src/routing/nginx/index.js';
import { parseIngress, parseRollout, IngressObject } from '../../src/routing/wire/index.js';
import { referencedIngresses, trafficStateOf } from '../../src/routing/traffic-state.js';
import { expectWellFormedFindings } from './finding-shape.js';
import { parsedValue } from './builders.js';

const serviceName = fc.constantFrom('stable-svc', 'canary-svc', 'hdr-a', 'hdr-b', 'other', 'root-svc');
const routeName = fc.constantFrom('hdr-a', 'hdr-b', 'hdr-c');
const hash = fc.constantFrom('', 'aaa', 'bbb');

const match = fc.record({
  headerName: fc.constantFrom('x-a', 'x-b', 'X-A'),
  headerValue: fc.oneof(fc.record({ exact: fc.string() }), fc.record({ prefix: fc.string() })),
});

const step = fc.oneof(
  fc.record({ setWeight: fc.integer({ min: 0, max: 100 }) }),
  fc.constant({ pause: {} }),
  fc.record({
    setHeaderRoute: fc.record(
      { name: routeName, match: fc.option(fc.array(match, { maxLength: 3 }), { nil: undefined }) },
      { requiredKeys: ['name'] },
    ),
  }),
);

const destination = (weight: fc.Arbitrary<number>) =>
  fc.record({ serviceName, weight, podTemplateHash: hash });

const rolloutWire = fc
  .record({
    steps: fc.array(step, { maxLength: 6 }),
    managedRoutes: fc.option(fc.uniqueArray(routeName, { maxLength: 3 }), { nil: undefined }),
    pingPong: fc.boolean(),
    rootService: fc.boolean(),
    prefix: fc.constantFrom(undefined, 'custom.io', 'trailing.io/'),
    sticky: fc.option(
      fc.record({ enabled: fc.boolean(), durationSeconds: fc.integer({ min: -1, max: 700000 }) }),
      {
        nil: undefined,
      },
    ),
    maxTrafficWeight: fc.option(fc.integer({ min: 1, max: 10000 }), { nil: undefined }),
    dynamicStableScale: fc.boolean(),
    status: fc.record({
      stableRS: hash,
      currentPodHash: hash,
      currentStepIndex: fc.integer({ min: 0, max: 8 }),
      abort: fc.boolean(),
      promoteFull: fc.boolean(),
      stablePingPong: fc.constantFrom('ping', 'pong', ''),
      weights: fc.option(
        fc.record({
          canary: destination(fc.integer({ min: 0, max: 100 })),
          additional: fc.array(destination(fc.integer({ min: 0, max: 20 })), { maxLength: 2 }),
        }),
        { nil: undefined },
      ),
    }),
  })
  .map((g) => ({
    metadata: { name: 'ro', namespace: 'default', uid: 'u' },
    spec: {
      strategy: {
        canary: {
          stableService: 'stable-svc',
          canaryService: 'canary-svc',
          dynamicStableScale: g.dynamicStableScale,
          ...(g.pingPong ? { pingPong: { pingService: 'ping-svc', pongService: 'pong-svc' } } : {}),
          trafficRouting: {
            alb: {
              ingress: 'ing',
              servicePort: 80,
              ...(g.rootService ? { rootService: 'root-svc' } : {}),
              ...(g.prefix ? { annotationPrefix: g.prefix } : {}),
              ...(g.sticky ? { stickinessConfig: g.sticky } : {}),
            },
            nginx: { stableIngress: 'ing', additionalIngressAnnotations: { 'canary-by-header': 'x' } },
            ...(g.maxTrafficWeight ? { maxTrafficWeight: g.maxTrafficWeight } : {}),
            ...(g.managedRoutes ? { managedRoutes: g.managedRoutes.map((name) => ({ name })) } : {}),
          },
          steps: g.steps,
        },
      },
    },
    status: {
      stableRS: g.status.stableRS,
      currentPodHash: g.status.currentPodHash,
      currentStepIndex: g.status.currentStepIndex,
      abort: g.status.abort,
      promoteFull: g.status.promoteFull,
      canary: {
        stablePingPong: g.status.stablePingPong,
        ...(g.status.weights
          ? {
              weights: {
                canary: g.status.weights.canary,
                stable: { serviceName: 'stable-svc', weight: 100 - g.status.weights.canary.weight },
                additional: g.status.weights.additional,
              },
            }
          : {}),
      },
    },
  }));

const parsedRollout = rolloutWire.map((wire) => {
  return parsedValue(parseRollout(wire));
});

const path = fc.record({
  service: serviceName,
  legacy: fc.boolean(),
  path: fc.constantFrom('/', '/*', '/api'),
});
const managedValue = fc.oneof(
  fc.constant(undefined),
  fc.constant('{"other":["x"],"ro":["alb.ingress.kubernetes.io/actions.stable-svc"]}'),
  fc.constant('{"ro":null}'),
  fc.constant('not json'),
  fc
    .dictionary(fc.string({ maxLength: 5 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }))
    .map((d) => JSON.stringify(d)),
);
const ingressWire = fc
  .record({
    rules: fc.array(fc.array(path, { maxLength: 4 }), { maxLength: 3 }),
    managed: managedValue,
    legacyApi: fc.boolean(),
  })
  .map((g): JsonObject => ({
    apiVersion: g.legacyApi ? 'extensions/v1beta1' : 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'ing',
      namespace: 'default',
      annotations: {
        'kubernetes.io/ingress.class': 'alb',
        ...(g.managed === undefined ? {} : { 'rollouts.argoproj.io/managed-alb-annotations': g.managed }),
      },
    },
    spec: {
      rules: g.rules.map((paths) => ({
        http: {
          paths: paths.map((p) => ({
            path: p.path,
            pathType: 'Prefix',
            backend: (p.legacy
              ? { serviceName: p.service, servicePort: 'use-annotation' }
              : { service: { name: p.service, port: { name: 'use-annotation' } } }) as JsonObject,
          })),
        },
      })),
    },
  }));

/** A copy of a JSON value with the keys of every object in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

/** Freezes every object and array in a JSON value, so that any write to it throws (ESM is strict). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The bookkeeping map survives render → parse unchanged. */
function expectManagedRoundTrip(map: Map<string, string[] | null>): void {
  const again = parseManagedAlbAnnotations(renderManagedAlbAnnotations(map));
  expect(again.ok && Object.fromEntries(again.value)).toEqual(Object.fromEntries(map));
}

/** Every owned annotation the renderer wrote decodes as what its key says it is. */
function expectOwnedKeysDecode(ingress: JsonObject, ownedKeys: string[]): void {
  const annotations = IngressObject.of(ingress).stringAnnotations();
  for (const key of ownedKeys) {
    const value = annotations[key];
    if (value === undefined) continue;
    if (key === MANAGED_ALB_ANNOTATIONS) expect(parseManagedAlbAnnotations(value).ok).toBe(true);
    else if (key.includes('/conditions.')) expect(parseAlbConditions(key, value)).toHaveProperty('value');
    else expect(parseAlbAction(key, value)).toHaveProperty('value');
  }
}

describe('routing core properties', () => {
  it('property: guardIngress never writes to its (frozen) inputs, and its patch turns the request into what it admits', () => {
    fc.assert(
      fc.property(
        ingressWire,
        fc.option(ingressWire, { nil: undefined }),
        parsedRollout,
        (generated, live, rollout) => {
          const requested: JsonObject = {
            ...generated,
            status: { loadBalancer: { ingress: [{ hostname: 'lb' }] } },
          };
          const frozen = deepFreeze(structuredClone(requested));
          const input = { albRollouts: [rollout], rolloutNamed: () => rollout };
          const result = guardIngress({ ...input, requested: frozen, live: live && deepFreeze(live) });
          // Computed on a thawed deep copy, the answer is the same: sharing changes nothing.
          const thawed = guardIngress({ ...input, requested: structuredClone(requested), live });
          expect(result.ingress).toEqual(thawed.ingress);
          expect(result.overrides).toEqual(thawed.overrides);
          expect(frozen).toEqual(requested);
          // Parts the guard never edits are the request's own objects, not copies; the containers
          // it may edit are fresh ones (IngressObject.editableCopy).
          expect(result.ingress.status).toBe(frozen.status);
          expect(result.ingress.spec).not.toBe(frozen.spec);
          expect(result.ingress.kind).toBe(frozen.kind);
          const patched = applyPatch(structuredClone(requested), diff(requested, result.ingress)).newDocument;
          expect(patched).toEqual(result.ingress);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: desiredAlbIngress is idempotent (applying twice = once) and never mutates its input', () => {
    fc.assert(
      fc.property(ingressWire, parsedRollout, (ingress, rollout) => {
        const state = trafficStateOf(rollout, 'alb')!;
        const before = JSON.stringify(ingress);
        const once = desiredAlbIngress(ingress, rollout, state);
        const twice = desiredAlbIngress(once.ingress, rollout, state);
        expect(JSON.stringify(ingress)).toBe(before);
        expect(JSON.stringify(twice.ingress)).toBe(JSON.stringify(once.ingress));
        expect(twice.errors).toEqual(once.errors);
      }),
      { numRuns: 300 },
    );
  });

  it('property: on error desiredAlbIngress returns the input unchanged; otherwise only owned keys differ', () => {
    fc.assert(
      fc.property(ingressWire, parsedRollout, (ingress, rollout) => {
        const result = desiredAlbIngress(ingress, rollout, trafficStateOf(rollout, 'alb')!);
        if (result.errors.length > 0) {
          expect(result.ingress).toEqual(ingress);
          return;
        }
        const before = (ingress.metadata as { annotations: Record<string, string> }).annotations;
        const after = (result.ingress.metadata as { annotations: Record<string, string> }).annotations;
        for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
          if (before[key] !== after[key]) expect(result.ownedKeys).toContain(key);
        }
        expect(result.ingress.kind).toBe(ingress.kind);
      }),
      { numRuns: 300 },
    );
  });

  it('property: canary + additional + stable weights sum to 100 (ALB) or maxTrafficWeight (NGINX)', () => {
    fc.assert(
      fc.property(parsedRollout, (rollout) => {
        const alb = trafficStateOf(rollout, 'alb')!;
        const nginx = trafficStateOf(rollout, 'nginx')!;
        expect(nginx.totalWeight).toBe(rollout.canary?.trafficRouting?.maxTrafficWeight ?? 100);
        expect(alb.totalWeight).toBe(100);
        const action = renderWeightAction(rollout, alb);
        if (!action.ok) return;
        const groups = (
          JSON.parse(action.value) as {
            ForwardConfig: { TargetGroups: { ServiceName: string; Weight: number }[] };
          }
        ).ForwardConfig.TargetGroups;
        // The rendered bytes, read back: canary first at the state's weight, stable last, and
        // the whole action adds up to 100 whatever the experiments take.
        expect(groups.reduce((sum, g) => sum + g.Weight, 0)).toBe(100);
        expect(groups[0]).toMatchObject({ ServiceName: alb.canaryService, Weight: alb.canaryWeight });
        expect(groups.at(-1)).toMatchObject({ ServiceName: alb.stableService });
        expect(groups).toHaveLength(alb.additional.length + 2);
      }),
    );
  });

  it('property: rendering is deterministic and independent of map key order in the spec', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 4 }), { maxKeys: 6 }),
        rolloutWire,
        (annotations, wire) => {
          const rollout = parsedValue(parseRollout(wire));
          const reversed = Object.fromEntries(Object.entries(annotations).reverse());
          const withAnnotations = (extra: Record<string, string>): Rollout => ({
            ...rollout,
            canary: {
              ...rollout.canary!,
              trafficRouting: {
                ...rollout.canary!.trafficRouting!,
                nginx: { ...rollout.canary!.trafficRouting!.nginx!, additionalIngressAnnotations: extra },
              },
            },
          });
          const a = withAnnotations(annotations);
          const b = withAnnotations(reversed);
          const sorted = (x: Record<string, string>) => JSON.stringify(Object.entries(x).sort());
          expect(sorted(desiredCanaryAnnotations(a, trafficStateOf(a, 'nginx')!))).toBe(
            sorted(desiredCanaryAnnotations(b, trafficStateOf(b, 'nginx')!)),
          );
          // The same Rollout written with every map's keys in reverse order renders the same bytes.
          const mirrored = parsedValue(parseRollout(reverseKeys(wire)));
          const albState = trafficStateOf(mirrored, 'alb')!;
          expect(albState).toEqual(trafficStateOf(rollout, 'alb'));
          expect(renderAlbState(mirrored, albState)).toEqual(
            renderAlbState(rollout, trafficStateOf(rollout, 'alb')!),
          );
          const managed = new Map(Object.entries(annotations).map(([k, v]) => [k, [v]]));
          expect(renderManagedAlbAnnotations(managed)).toBe(
            renderManagedAlbAnnotations(new Map([...managed].reverse())),
          );
        },
      ),
    );
  });

  it('property: parse(render(x)) round-trips the managed map and the header conditions', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.option(fc.array(fc.string(), { maxLength: 3 }), { nil: null })),
        (dict) => {
          const map = new Map(Object.entries(dict));
          const parsed = parseManagedAlbAnnotations(renderManagedAlbAnnotations(map));
          expect(parsed.ok && Object.fromEntries(parsed.value)).toEqual(dict);
        },
      ),
    );
    fc.assert(
      fc.property(fc.array(match, { minLength: 1, maxLength: 4 }), (matches) => {
        const conditions = JSON.parse(renderHeaderRouteConditions(matches)) as {
          httpHeaderConfig: { httpHeaderName: string; values: string[] };
        }[];
        const flattened = conditions.flatMap((c) =>
          c.httpHeaderConfig.values.map((v) => [c.httpHeaderConfig.httpHeaderName, v]),
        );
        expect(flattened.sort()).toEqual(
          matches.map((m) => [m.headerName, 'exact' in m.headerValue ? m.headerValue.exact : '']).sort(),
        );
      }),
    );
  });

  it('property: no function throws on arbitrary JSON (parse*, state, renderers, desired objects)', () => {
    const rolloutLike = fc.oneof(
      fc.anything(),
      fc.jsonValue(),
      rolloutWire.chain((wire) =>
        fc.jsonValue().map((junk) => ({
          ...wire,
          spec: { strategy: { canary: { ...wire.spec.strategy.canary, steps: [junk] } } },
        })),
      ),
    );
    const objectLike = fc.oneof(
      fc.jsonValue(),
      ingressWire,
      ingressWire.chain((i) => fc.jsonValue().map((j) => ({ ...i, spec: j }))),
    );
    fc.assert(
      fc.property(rolloutLike, objectLike, fc.string(), (rolloutInput, ingressInput, text) => {
        const managed = parseManagedAlbAnnotations(text);
        if (managed.ok) expectManagedRoundTrip(managed.value);
        else expect(managed.error).not.toBe('');
        const legacy = parseLegacyManagedAlbActions(text);
        if (!legacy.ok) expect(legacy.error).not.toBe('');
        expectWellFormedFindings(parseIngress(ingressInput).findings);
        const parsed = parseRollout(rolloutInput);
        expectWellFormedFindings(parsed.findings);
        const rollout = parsed.value;
        if (!rollout) return;
        const referenced = referencedIngresses(rollout);
        for (const name of [...referenced.alb, ...referenced.nginx]) expect(typeof name).toBe('string');
        const ingress = (
          typeof ingressInput === 'object' && ingressInput !== null && !Array.isArray(ingressInput)
            ? ingressInput
            : { spec: ingressInput }
        ) as JsonObject;
        for (const provider of ['alb', 'nginx'] as const) {
          const state = trafficStateOf(rollout, provider);
          if (!state) continue;
          const action = renderWeightAction(rollout, state);
          // What the webhook renders, the load balancer controller's decoder accepts.
          if (action.ok) expect(parseAlbAction('k', action.value)).toHaveProperty('value');
          const desired = desiredAlbIngress(ingress, rollout, state);
          expectWellFormedFindings(desired.errors);
          if (desired.errors.length === 0) expectOwnedKeysDecode(desired.ingress, desired.ownedKeys);
          const canary = desiredCanaryAnnotations(rollout, state);
          for (const value of Object.values(canary)) expect(typeof value).toBe('string');
          expectWellFormedFindings(desiredCanaryIngress(ingress, rollout, state).errors);
          expect(JSON.parse(goJson(state as never))).toEqual(JSON.parse(JSON.stringify(state)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
