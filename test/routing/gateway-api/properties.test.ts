/**
 * Properties of the route drift guard over generated routes and Rollout states: it is a fixed
 * point (guarding what it admitted changes nothing), its two-step patch turns the request into
 * the admitted route, and it only ever touches what a Rollout owns (weights of the Rollout's
 * Services and its experiment backends, its header rules, the in-progress label).
 */
import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { guardObject } from '../../../src/routing/drift-guard.js';
import {
  editableRoute,
  gatewayApiTrafficProvider,
  stagedRoute,
} from '../../../src/routing/gateway-api/index.js';
import type { JsonObject, Rollout } from '../../../src/routing/model.js';
import { diff } from '../../../src/webhook/patch.js';
import { CANARY, LABEL, STABLE, deepFrozen, httpRoute, midCanary, pluginRollout } from './builders.js';

const backendName = fc.constantFrom(STABLE, CANARY, 'other');
const weight = fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined });
const backend = fc.record({ name: backendName, weight }).map(({ name, weight }) => {
  const ref: JsonObject = { name, port: 80 };
  if (weight !== undefined) ref.weight = weight;
  return ref;
});
const ruleArb = fc
  .record({
    refs: fc.array(backend, { minLength: 1, maxLength: 4 }),
    path: fc.constantFrom('/', '/a', '/b'),
    named: fc.boolean(),
  })
  .map(({ refs, path, named }) => {
    const rule: JsonObject = { matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: refs };
    if (named) rule.name = 'canary-by-header';
    return rule;
  });
const routeArb = fc.array(ruleArb, { minLength: 1, maxLength: 5 }).map((rules) => httpRoute(rules));
const rolloutArb: fc.Arbitrary<Rollout> = fc
  .record({
    step: fc.integer({ min: 0, max: 6 }),
    weight: fc.integer({ min: 0, max: 100 }),
    abort: fc.boolean(),
    promoted: fc.boolean(),
  })
  .map(({ step, weight, abort, promoted }) =>
    pluginRollout({
      status: { ...midCanary(step, weight, { abort }), ...(promoted ? { stableRS: 'new' } : {}) },
    }),
  );

function guard(rollout: Rollout, requested: JsonObject, live?: JsonObject) {
  return guardObject(
    {
      requested: deepFrozen(requested),
      live: deepFrozen(live),
      albRollouts: [],
      rolloutNamed: () => undefined,
      route: {
        kind: 'HTTPRoute',
        namespace: 'shop',
        name: 'web',
        rollouts: [rollout],
        getService: () => undefined,
      },
    },
    [gatewayApiTrafficProvider],
    // The hook's copy (a shallow one); the inputs are frozen, so a write into them throws.
    editableRoute,
  );
}

/** A route without what a Rollout owns: weights of its Services, its header rules, the label. */
function unowned(route: JsonObject): JsonObject {
  const copy = structuredClone(route) as JsonObject;
  const labels = (copy.metadata as JsonObject).labels as JsonObject | undefined;
  if (labels) delete labels[LABEL];
  if (labels && Object.keys(labels).length === 0) delete (copy.metadata as JsonObject).labels;
  const spec = copy.spec as JsonObject;
  spec.rules = (spec.rules as JsonObject[])
    .filter((rule) => typeof rule.name !== 'string' || !rule.name.startsWith('canary-by-header'))
    .map((rule) => ({
      ...rule,
      backendRefs: (rule.backendRefs as JsonObject[]).map((ref) =>
        ref.name === STABLE || ref.name === CANARY ? { ...ref, weight: null } : ref,
      ),
    }));
  return copy;
}

describe('route guard properties', () => {
  it('is a fixed point, its patch gives the admitted route, and it changes only owned values', () => {
    fc.assert(
      fc.property(
        rolloutArb,
        routeArb,
        fc.option(routeArb, { nil: undefined }),
        (rollout, requested, live) => {
          const first = guard(rollout, requested, live);
          if (first.refusal) return;
          const admitted = first.ingress;
          const staged = stagedRoute('HTTPRoute', requested, admitted);
          const patch = [...diff(requested, staged), ...diff(staged, admitted)];
          expect(
            fastJsonPatch.applyPatch(structuredClone(requested), patch, true, false).newDocument,
          ).toEqual(admitted);
          const second = guard(rollout, admitted, live).ingress;
          expect(diff(admitted, second)).toEqual([]);
          expect(unowned(admitted)).toEqual(unowned(requested));
        },
      ),
      { numRuns: 400 },
    );
  });
});
