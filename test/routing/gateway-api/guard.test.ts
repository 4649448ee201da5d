/**
 * The route drift guard: GitOps writes of an HTTPRoute/GRPCRoute while a Rollout's canary
 * runs. Expected routes are written out by hand from the plugin's behaviour
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0, pkg/plugin/httproute.go,
 * grpcroute.go, experiment.go, labels.go) and the CRD defaults (kubernetes-sigs/gateway-api
 * v1.4.0).
 */
import { describe, expect, it } from 'vitest';
import { guardObject } from '../../../src/routing/drift-guard.js';
import {
  editableRoute,
  gatewayApiTrafficProvider,
  stagedRoute,
} from '../../../src/routing/gateway-api/index.js';
import type { RouteDriftContext } from '../../../src/routing/traffic-provider.js';
import type { JsonObject, Rollout } from '../../../src/routing/model.js';
import { diff } from '../../../src/webhook/patch.js';
import {
  CANARY,
  LABEL,
  STABLE,
  grpcRoute,
  httpRoute,
  midCanary,
  pluginRollout,
  ref,
  rule,
  deepFrozen,
} from './builders.js';
import { expectLinear, scalingTest } from './scaling.js';

const HEADER_RULE: JsonObject = {
  name: 'canary-by-header',
  matches: [
    {
      path: { type: 'PathPrefix', value: '/' },
      headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }],
    },
  ],
  backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 80 }],
};

function guard(
  rollouts: Rollout[],
  requested: JsonObject,
  live?: JsonObject,
  extra: Partial<RouteDriftContext> = {},
) {
  const kind = requested.kind === 'GRPCRoute' ? 'GRPCRoute' : 'HTTPRoute';
  const result = guardObject(
    {
      requested: deepFrozen(requested),
      live: deepFrozen(live),
      albRollouts: [],
      rolloutNamed: () => undefined,
      route: { kind, namespace: 'shop', name: 'web', rollouts, getService: () => undefined, ...extra },
    },
    [gatewayApiTrafficProvider],
    // The hook's copy (a shallow one); the inputs are frozen, so a write into them throws.
    editableRoute,
  );
  return { ...result, route: result.ingress, staged: stagedRoute(kind, requested, result.ingress) };
}

/** The patch the mutating hook sends: request → staged (in-place edits) → admitted (rules added). */
function patchOf(requested: JsonObject, result: { route: JsonObject; staged?: JsonObject }) {
  const staged = result.staged ?? result.route;
  return [...diff(requested, staged), ...diff(staged, result.route)];
}

/** The route from git, as the apiserver hands it over after defaulting (no weights written: 1). */
const fromGit = httpRoute([rule([ref(STABLE, 1), ref(CANARY, 1)])]);
const at20 = pluginRollout({ status: midCanary(1, 20) });

describe('guardRoute: weights', () => {
  it('restores the live weights and label when an Argo CD re-apply resets them (narrow patch)', () => {
    const live = httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)])], { [LABEL]: 'in-progress' });
    const result = guard([at20], fromGit, live);
    expect(result.errors).toEqual([]);
    expect(result.owners).toEqual(['shop/web']);
    expect(patchOf(fromGit, result)).toEqual([
      { op: 'add', path: '/metadata/labels', value: { [LABEL]: 'in-progress' } },
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 80 },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 20 },
    ]);
    expect(result.overrides).toEqual([
      {
        key: `spec.rules[*].backendRefs[name=${CANARY}].weight`,
        rollout: 'web',
        requested: '1',
        admitted: '20',
        live: '20',
        meaning: 'live traffic (canary 20%)',
        provider: 'gateway-api',
      },
      {
        key: `spec.rules[*].backendRefs[name=${STABLE}].weight`,
        rollout: 'web',
        requested: '1',
        admitted: '80',
        live: '80',
        meaning: 'live traffic (canary 20%)',
        provider: 'gateway-api',
      },
      {
        key: `metadata.labels["${LABEL}"]`,
        rollout: 'web',
        admitted: 'in-progress',
        live: 'in-progress',
        meaning: 'in-progress label',
        provider: 'gateway-api',
      },
    ]);
  });

  it('keeps a live weight the controller set after the status was recorded (consistent live state leads)', () => {
    const live = httpRoute([
      rule([ref(STABLE, 50), ref(CANARY, 50)]),
      rule([ref(CANARY, 50), ref(STABLE, 50)]),
    ]);
    const requested = httpRoute([
      rule([ref(STABLE, 100), ref(CANARY, 0)]),
      rule([ref(CANARY, 0), ref(STABLE, 100)]),
    ]);
    const weights = (r: JsonObject) =>
      ((r.spec as JsonObject).rules as JsonObject[]).map((x) =>
        (x.backendRefs as JsonObject[]).map((b) => b.weight),
      );
    expect(weights(guard([at20], requested, live).route)).toEqual([
      [50, 50],
      [50, 50],
    ]);
  });

  it('uses the status weight when the live weights are not what the plugin writes', () => {
    for (const liveRules of [
      [rule([ref(STABLE, 50), ref(CANARY, 1)])],
      [rule([ref(STABLE, 60), ref(CANARY, 40)]), rule([ref(STABLE, 70), ref(CANARY, 30)])],
      [rule([ref(STABLE), ref(CANARY, 101)])],
    ]) {
      const route = guard([at20], fromGit, httpRoute(liveRules)).route;
      const refs = ((route.spec as JsonObject).rules as JsonObject[])[0]!.backendRefs as JsonObject[];
      expect(refs.map((b) => b.weight)).toEqual([80, 20]);
    }
  });

  it('puts all traffic on stable once the Rollout is aborted or promoted, whatever the live route says', () => {
    const live = httpRoute([rule([ref(STABLE, 60), ref(CANARY, 40)])], { [LABEL]: 'in-progress', team: 'a' });
    const aborted = pluginRollout({ status: midCanary(0, 40, { abort: true }) });
    const promoted = pluginRollout({ status: { ...midCanary(6, 40), stableRS: 'new' } });
    for (const rollout of [aborted, promoted]) {
      const requested = httpRoute([rule([ref(STABLE, 60), ref(CANARY, 40)])], {
        [LABEL]: 'in-progress',
        team: 'a',
      });
      const result = guard([rollout], requested, live);
      expect(patchOf(requested, result)).toEqual([
        { op: 'remove', path: `/metadata/labels/${LABEL.replace('/', '~1')}` },
        { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 100 },
        { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 0 },
      ]);
    }
  });

  it('injects the state on CREATE and reports the weights the request set (1:1 would be 50% canary)', () => {
    const result = guard([at20], fromGit);
    expect(((result.route.spec as JsonObject).rules as JsonObject[])[0]!.backendRefs).toEqual([
      ref(STABLE, 80),
      ref(CANARY, 20),
    ]);
    expect(result.overrides.map((o) => o.key)).toEqual([
      `spec.rules[*].backendRefs[name=${CANARY}].weight`,
      `spec.rules[*].backendRefs[name=${STABLE}].weight`,
    ]);
  });

  it('changes nothing when the request already carries the state', () => {
    const requested = httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)])], { [LABEL]: 'in-progress' });
    const result = guard([at20], requested, requested);
    expect(patchOf(requested, result)).toEqual([]);
    expect(result.overrides).toEqual([]);
  });

  it('leaves other backends, rules, hostnames, filters and metadata alone', () => {
    const requested = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1), ref('mirror', 3)], {
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'a', value: 'b' }] } },
        ],
      }),
      rule([ref('legacy', 1)], { matches: [{ path: { type: 'PathPrefix', value: '/old' } }] }),
    ]);
    (requested.spec as JsonObject).hostnames = ['shop.example.com'];
    const result = guard([at20], requested, undefined);
    expect(patchOf(requested, result).map((op) => op.path)).toEqual([
      '/metadata/labels',
      '/spec/rules/0/backendRefs/0/weight',
      '/spec/rules/0/backendRefs/1/weight',
    ]);
  });

  it('does not modify its input', () => {
    const requested = structuredClone(fromGit);
    guard([at20], requested, httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)])]));
    expect(requested).toEqual(fromGit);
  });

  it('reports a route without the stable or canary backend as not guarded and leaves it as requested', () => {
    const requested = httpRoute([rule([ref(STABLE, 1)])]);
    const result = guard([at20], requested);
    expect(result.route.spec).toEqual(requested.spec);
    expect(result.owners).toEqual([]);
    expect(result.errors.map((f) => f.message)).toEqual([
      'Rollout web: its weights cannot be written: backendRef was not found in httpRoute',
    ]);
  });

  it('guards only routes named in the configuration, in its namespace', () => {
    const elsewhere = pluginRollout({
      status: midCanary(1, 20),
      plugin: { httpRoute: 'web', namespace: 'edge' },
    });
    expect(guard([elsewhere], fromGit).owners).toEqual([]);
    const grpcOnly = pluginRollout({ status: midCanary(1, 20), plugin: { grpcRoute: 'web' } });
    expect(guard([grpcOnly], fromGit).owners).toEqual([]);
  });

  it('leaves a request over the CRD limits alone (the apiserver rejects it)', () => {
    const requested = httpRoute(Array.from({ length: 17 }, () => rule([ref(STABLE), ref(CANARY)])));
    const result = guard([at20], requested);
    expect(result.route).toEqual(requested);
    expect(result.owners).toEqual([]);
    expect(result.errors.map((f) => f.message)).toEqual([
      '17 rules (at most 16); the apiserver rejects this route',
    ]);
  });
});

describe('guardRoute: header-route rules', () => {
  const atHeaderStep = pluginRollout({ status: midCanary(3, 20) });

  it('restores the managed header rule a re-apply dropped, appended after the other rules', () => {
    const live = httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)]), HEADER_RULE], {
      [LABEL]: 'in-progress',
    });
    const requested = httpRoute([rule([ref(STABLE, 1), ref(CANARY, 1)])]);
    const result = guard([atHeaderStep], requested, live);
    expect(patchOf(requested, result)).toEqual([
      { op: 'add', path: '/metadata/labels', value: { [LABEL]: 'in-progress' } },
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 80 },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 20 },
      {
        op: 'add',
        path: '/spec/rules/1',
        value: {
          name: 'canary-by-header',
          matches: [
            {
              path: { type: 'PathPrefix', value: '/' },
              headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }],
            },
          ],
          backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 80 }],
        },
      },
    ]);
    const header = result.overrides.find((o) => o.key === 'spec.rules[name=canary-by-header]');
    expect(header?.meaning).toBe('header route');
    expect(header?.requested).toBeUndefined();
    expect(header?.admitted).toContain('"canary-by-header"');
  });

  it('keeps a header rule the request carries in its defaulted form, where it stands', () => {
    const defaulted = {
      ...HEADER_RULE,
      backendRefs: [{ ...(HEADER_RULE.backendRefs as JsonObject[])[0], weight: 1 }],
    };
    const requested = httpRoute([defaulted, rule([ref(STABLE, 80), ref(CANARY, 20)])], {
      [LABEL]: 'in-progress',
    });
    expect(patchOf(requested, guard([atHeaderStep], requested, requested))).toEqual([]);
  });

  it('replaces a stale header rule of the same name', () => {
    const stale = { ...HEADER_RULE, matches: [{ headers: [{ name: 'x-canary', value: 'old' }] }] };
    const requested = httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)]), stale], {
      [LABEL]: 'in-progress',
    });
    const rules = (guard([atHeaderStep], requested).route.spec as JsonObject).rules as JsonObject[];
    expect(rules).toHaveLength(2);
    expect(rules[1]).toEqual(HEADER_RULE);
  });

  it('adds no header rule before the step is reached, after promotion, or without useHeaderRoutes', () => {
    const before = pluginRollout({ status: midCanary(1, 20) });
    const promoted = pluginRollout({ status: { ...midCanary(6, 50), stableRS: 'new' } });
    const noHeaders = pluginRollout({ status: midCanary(3, 20), plugin: { httpRoutes: [{ name: 'web' }] } });
    for (const rollout of [before, promoted, noHeaders]) {
      const rules = (guard([rollout], fromGit).route.spec as JsonObject).rules as JsonObject[];
      expect(rules).toHaveLength(1);
    }
  });

  it('never removes rules, even a managed one the plugin would remove on promotion', () => {
    const promoted = pluginRollout({ status: { ...midCanary(6, 50), stableRS: 'new' } });
    const requested = httpRoute([rule([ref(STABLE, 100), ref(CANARY, 0)]), HEADER_RULE]);
    expect((guard([promoted], requested).route.spec as JsonObject).rules).toHaveLength(2);
  });

  it('writes one rule per source rule and names them <route>, <route>-1 (multi-rule routes)', () => {
    const requested = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ path: { type: 'PathPrefix', value: '/a' } }] }),
      rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ path: { type: 'PathPrefix', value: '/b' } }] }),
    ]);
    const rules = (guard([atHeaderStep], requested).route.spec as JsonObject).rules as JsonObject[];
    expect(rules.map((r) => r.name)).toEqual([
      undefined,
      undefined,
      'canary-by-header',
      'canary-by-header-1',
    ]);
    expect(rules.slice(2).map((r) => (r.matches as JsonObject[])[0]!.path)).toEqual([
      { type: 'PathPrefix', value: '/a' },
      { type: 'PathPrefix', value: '/b' },
    ]);
  });

  it('denies when the header rules would take the route past 16 rules', () => {
    const many = Array.from({ length: 9 }, (_, i) =>
      rule([ref(STABLE, 1), ref(CANARY, 1)], {
        matches: [{ path: { type: 'PathPrefix', value: `/p${i}` } }],
      }),
    );
    const result = guard([atHeaderStep], httpRoute(many));
    expect(result.refusal).toBe(
      'Rollout web: the route would need 18 rules with the header-route rules, and the apiserver allows 16',
    );
  });

  it('denies when a header rule would match the same header twice in one match', () => {
    const requested = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ headers: [{ name: 'x-canary', value: 'no' }] }] }),
    ]);
    expect(guard([atHeaderStep], requested).refusal).toBe(
      'Rollout web: header-route rule canary-by-header would match header x-canary twice in one match (the source rule already matches it), which the apiserver rejects',
    );
  });

  it('denies when the managed route name is not a valid rule name', () => {
    const bad = pluginRollout({
      status: midCanary(1, 20),
      managedRoutes: ['Canary_Header'],
      steps: [
        {
          setHeaderRoute: {
            name: 'Canary_Header',
            match: [{ headerName: 'x', headerValue: { exact: '1' } }],
          },
        },
        { setWeight: 20 },
      ],
    });
    expect(guard([bad], fromGit).refusal).toBe(
      'Rollout web: the header-route rule name "Canary_Header" of managed route Canary_Header is not a valid rule name (only lowercase letters, digits, "-" and "." are allowed); rename the managed route',
    );
  });

  it('reports a header step without a rule holding both Services as not guarded', () => {
    const requested = httpRoute([rule([ref(STABLE, 1)]), rule([ref(CANARY, 1), ref('x', 1)])]);
    const result = guard([atHeaderStep], requested);
    expect(result.errors.map((f) => f.message)).toEqual([
      'Rollout web: its header routes cannot be written: backendRef was not found in httpRoute',
    ]);
  });
});

describe('guardRoute: experiments and GRPCRoutes', () => {
  it('keeps the experiment backend a re-apply dropped, with the live bytes, and the first rule stable weight', () => {
    const status = midCanary(1, 20);
    (status.canary as JsonObject).weights = {
      canary: { weight: 20, serviceName: CANARY },
      stable: { weight: 70, serviceName: STABLE },
      additional: [{ weight: 10, serviceName: 'web-exp', podTemplateHash: 'e' }],
    };
    const rollout = pluginRollout({ status });
    const expRef = { name: 'web-exp', namespace: 'shop', port: 8080, weight: 10, group: '', kind: 'Service' };
    const live = httpRoute([
      rule([ref(STABLE, 90), ref(CANARY, 20), expRef]),
      rule([ref(STABLE, 80), ref(CANARY, 20)]),
    ]);
    const requested = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1)]),
      rule([ref(STABLE, 1), ref(CANARY, 1)]),
    ]);
    const rules = (guard([rollout], requested, live).route.spec as JsonObject).rules as JsonObject[];
    expect(rules.map((r) => r.backendRefs)).toEqual([
      [ref(STABLE, 90), ref(CANARY, 20), expRef],
      [ref(STABLE, 80), ref(CANARY, 20)],
    ]);
  });

  it('neither restores nor removes the experiment backend the plugin leaves behind after an abort', () => {
    // The plugin removes only the Services listed in status.canary.weights.additional
    // (rollouts-plugin-trafficrouter-gatewayapi v0.15.0, pkg/plugin/experiment.go
    // `HandleExperiment`). On an abort during a weighted experiment step it is still told the
    // experiment is current but given no destinations, so the backend stays; the controller then
    // records weights without it, and no later reconcile removes it. Seen with the real plugin in
    // test/e2e/scenarios/gateway-api-experiment.test.ts. No Rollout owns it any more.
    const aborted = pluginRollout({ status: midCanary(1, 0, { abort: true }) });
    const leftOver = {
      name: 'web-exp',
      namespace: 'shop',
      port: 8080,
      weight: 10,
      group: '',
      kind: 'Service',
    };
    const live = httpRoute([rule([ref(STABLE, 100), ref(CANARY, 0), leftOver])]);
    // Argo CD's re-apply from Git drops it: admitted on stable, and nothing said about it.
    const reapplied = guard([aborted], fromGit, live);
    expect(((reapplied.route.spec as JsonObject).rules as JsonObject[])[0]!.backendRefs).toEqual([
      ref(STABLE, 100),
      ref(CANARY, 0),
    ]);
    expect(reapplied.overrides.map((o) => o.key)).toEqual([
      `spec.rules[*].backendRefs[name=${CANARY}].weight`,
      `spec.rules[*].backendRefs[name=${STABLE}].weight`,
    ]);
    // A write that keeps it (here: the live route as it is) is admitted as sent.
    const kept = httpRoute([rule([ref(STABLE, 100), ref(CANARY, 0), leftOver])]);
    expect(patchOf(kept, guard([aborted], kept, live))).toEqual([]);
  });

  it('guards a GRPCRoute the same way, without experiments, with the gRPC header rule', () => {
    const rollout = pluginRollout({ status: midCanary(3, 30), plugin: { grpcRoute: 'web' } });
    const requested = grpcRoute([
      { matches: [{ method: { service: 'shop.Cart' } }], backendRefs: [ref(STABLE, 1), ref(CANARY, 1)] },
    ]);
    const rules = (guard([rollout], requested).route.spec as JsonObject).rules as JsonObject[];
    expect(rules).toEqual([
      { matches: [{ method: { service: 'shop.Cart' } }], backendRefs: [ref(STABLE, 70), ref(CANARY, 30)] },
      {
        name: 'canary-by-header',
        matches: [
          { method: { service: 'shop.Cart' }, headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }] },
        ],
        backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 80 }],
      },
    ]);
  });

  it('applies each Rollout that names the route, in a stable order', () => {
    const other = pluginRollout({ status: midCanary(1, 40) });
    const second: Rollout = {
      ...other,
      name: 'api',
      canary: { ...other.canary!, stableService: 'api-stable', canaryService: 'api-canary' },
    };
    const requested = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1)]),
      rule([ref('api-stable', 1), ref('api-canary', 1)]),
    ]);
    const result = guard([at20, second], requested);
    expect(result.owners).toEqual(['shop/api', 'shop/web']);
    const rules = (result.route.spec as JsonObject).rules as JsonObject[];
    expect(rules.map((r) => (r.backendRefs as JsonObject[]).map((b) => b.weight))).toEqual([
      [80, 20],
      [60, 40],
    ]);
  });

  scalingTest('costs time linear in the number of Rollouts naming the route (scaling)', () => {
    expectLinear(
      200,
      (n) => Array.from({ length: n }, (_, i) => ({ ...at20, name: `r${i}` })),
      (rollouts) => guard(rollouts, fromGit),
      3,
    );
  });
});

describe('stagedRoute: which admitted rule stands in for which requested one', () => {
  const routeWith = (rules: JsonObject[]): JsonObject => ({ kind: 'HTTPRoute', spec: { rules } });
  const stagedRules = (requested: JsonObject[], admitted: JsonObject[]) =>
    (stagedRoute('HTTPRoute', routeWith(requested), routeWith(admitted)).spec as { rules: JsonObject[] })
      .rules;
  const weighted: JsonObject = {
    matches: [{ path: { type: 'PathPrefix', value: '/' } }],
    backendRefs: [
      { name: STABLE, port: 80 },
      { name: CANARY, port: 80 },
    ],
  };
  const reweighted = (from: JsonObject): JsonObject => ({
    ...from,
    backendRefs: [
      { name: STABLE, port: 80, weight: 80 },
      { name: CANARY, port: 80, weight: 20 },
    ],
  });
  const headerMatches = [{ headers: [{ name: 'x-canary', value: 'yes' }] }];
  const header: JsonObject = {
    name: 'testers',
    matches: headerMatches,
    backendRefs: [{ name: CANARY, port: 80 }],
  };

  it('a copy that differs only in backendRefs takes the place of its request rule', () => {
    const admitted = reweighted(weighted);
    expect(stagedRules([weighted], [admitted])).toEqual([admitted]);
    expect(stagedRules([weighted], [admitted])[0]).toBe(admitted);
  });

  it('so does an equal rule built apart (equal after CRD defaults), compared by its text', () => {
    const admitted = reweighted(structuredClone(weighted));
    admitted.matches = [{ path: { value: '/' } }];
    expect(stagedRules([weighted], [admitted])[0]).toBe(admitted);
  });

  it('a rule that differs in anything but backendRefs is not aligned, shared fields or not', () => {
    const renamed = { ...reweighted(weighted), name: 'other' };
    expect(stagedRules([weighted], [renamed])[0]).toBe(weighted);
    const otherMatches = { ...reweighted(weighted), matches: headerMatches };
    expect(stagedRules([weighted], [otherMatches])[0]).toBe(weighted);
    // The request's header rule was dropped by the guard: the admitted rule after the
    // weighted one is a new header rule, and stands in for nothing.
    const newHeader = { ...header, name: 'testers-2' };
    expect(stagedRules([weighted, header], [reweighted(weighted), newHeader])).toEqual([
      reweighted(weighted),
      header,
    ]);
  });
});
