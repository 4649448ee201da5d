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
import { rolloutPlanOf } from '../../../src/routing/gateway-api/guard.js';
import type { RouteDriftContext } from '../../../src/routing/traffic-provider.js';
import type { Json, JsonObject, Rollout } from '../../../src/routing/model.js';
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
import { expectLinear, measureScaling, scalingTest } from '../../support/scaling.js';

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

  it('compares live weights by value: a weight written as a string or an object is not what the plugin writes', () => {
    const asText = { ...ref(STABLE), weight: '70' } as JsonObject;
    for (const [stable, canary] of [
      [asText, ref(CANARY, 30)],
      [ref(STABLE, 70), { ...ref(CANARY), weight: { value: 30 } } as JsonObject],
    ]) {
      const live = httpRoute([rule([ref(STABLE, 70), ref(CANARY, 30)]), rule([stable!, canary!])]);
      const route = guard([at20], fromGit, live).route;
      const refs = ((route.spec as JsonObject).rules as JsonObject[])[0]!.backendRefs as JsonObject[];
      expect(refs.map((b) => b.weight)).toEqual([80, 20]);
    }
    // The same weights as numbers: consistent, so the live 30 leads.
    const live = httpRoute([
      rule([ref(STABLE, 70), ref(CANARY, 30)]),
      rule([ref(STABLE, 70), ref(CANARY, 30)]),
    ]);
    const route = guard([at20], fromGit, live).route;
    const refs = ((route.spec as JsonObject).rules as JsonObject[])[0]!.backendRefs as JsonObject[];
    expect(refs.map((b) => b.weight)).toEqual([70, 30]);
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

  it('reports the header rule texts: admitted, and live as the live route holds it (same or stale)', () => {
    const planned =
      '{"backendRefs":[{"group":"","kind":"Service","name":"web-canary","port":80,"weight":1}],' +
      '"matches":[{"headers":[{"name":"x-canary","type":"Exact","value":"yes"}],' +
      '"path":{"type":"PathPrefix","value":"/"}}],"name":"canary-by-header"}';
    const stale = { ...HEADER_RULE, matches: [{ headers: [{ name: 'x-canary', value: 'old' }] }] };
    const staleText =
      '{"backendRefs":[{"group":"","kind":"Service","name":"web-canary","port":80,"weight":1}],' +
      '"matches":[{"headers":[{"name":"x-canary","type":"Exact","value":"old"}],' +
      '"path":{"type":"PathPrefix","value":"/"}}],"name":"canary-by-header"}';
    // The live rule in its bare form (no defaults written) reads as the planned one.
    const bare = {
      name: 'canary-by-header',
      matches: [{ headers: [{ name: 'x-canary', value: 'yes' }] }],
      backendRefs: [{ name: CANARY, port: 80 }],
    };
    const requested = httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)])], { [LABEL]: 'in-progress' });
    for (const [liveRule, liveText] of [
      [HEADER_RULE, planned],
      [bare, planned],
      [stale, staleText],
    ] as const) {
      for (const round of [1, 2]) {
        const live = httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)]), liveRule], {
          [LABEL]: 'in-progress',
        });
        const header = guard([atHeaderStep], requested, live).overrides.find(
          (o) => o.key === 'spec.rules[name=canary-by-header]',
        );
        expect(header, `round ${round}`).toEqual({
          key: 'spec.rules[name=canary-by-header]',
          rollout: 'web',
          admitted: planned,
          live: liveText,
          meaning: 'header route',
          provider: 'gateway-api',
        });
      }
    }
  });

  it("reads a live header rule equal to the admitted one in the live route's own kind", () => {
    // An HTTPRoute match with a gRPC-style method object: the HTTPRoute CRD gives the object no
    // default, the GRPCRoute CRD gives it `type: Exact`. A live object of the other kind holds
    // the admitted rule exactly, so its text is written in its own kind, not taken from the
    // admitted one.
    const match = { path: { type: 'PathPrefix', value: '/' }, method: { service: 's' } };
    const source = rule([ref(STABLE, 80), ref(CANARY, 20)], { matches: [match] });
    const admittedRule = {
      name: 'canary-by-header',
      matches: [{ ...match, headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }] }],
      backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 80 }],
    };
    const refs = '"backendRefs":[{"group":"","kind":"Service","name":"web-canary","port":80,"weight":1}]';
    const headers = '"headers":[{"name":"x-canary","type":"Exact","value":"yes"}]';
    const path = '"path":{"type":"PathPrefix","value":"/"}';
    const httpText = `{${refs},"matches":[{${headers},"method":{"service":"s"},${path}}],"name":"canary-by-header"}`;
    const grpcText = `{${refs},"matches":[{${headers},"method":{"service":"s","type":"Exact"},${path}}],"name":"canary-by-header"}`;
    const requested = httpRoute([source], { [LABEL]: 'in-progress' });
    for (const [live, liveText] of [
      [httpRoute([source, admittedRule], { [LABEL]: 'in-progress' }), httpText],
      [grpcRoute([source, admittedRule], { [LABEL]: 'in-progress' }), grpcText],
    ] as const) {
      const header = guard([atHeaderStep], requested, live).overrides.find(
        (o) => o.key === 'spec.rules[name=canary-by-header]',
      );
      expect(header?.admitted, live.kind as string).toBe(httpText);
      expect(header?.live, live.kind as string).toBe(liveText);
    }
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
    const requested = httpRoute(many);
    const result = guard([atHeaderStep], requested);
    expect(result.refusal).toBe(
      'Rollout web: the route would need 18 rules with the header-route rules, and the apiserver allows 16',
    );
    // A refusal admits nothing: the request as it came, and no override to report.
    expect(result.route).toEqual(requested);
    expect(result.overrides).toEqual([]);
    expect(result.owners).toEqual([]);
  });

  it('denies when a header rule would match the same header twice in one match', () => {
    const requested = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ headers: [{ name: 'x-canary', value: 'no' }] }] }),
    ]);
    expect(guard([atHeaderStep], requested).refusal).toBe(
      'Rollout web: header-route rule canary-by-header would match header x-canary twice in one match (the source rule already matches it), which the apiserver rejects',
    );
  });

  it('finds a header matched twice anywhere in one match, and no duplicate in headers matched once', () => {
    const headers = [
      { name: 'x-canary', value: 'no' },
      { name: 'x-user', value: 'a' },
    ];
    const twice = httpRoute([rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ headers }] })]);
    expect(guard([atHeaderStep], twice).refusal).toBe(
      'Rollout web: header-route rule canary-by-header would match header x-canary twice in one match (the source rule already matches it), which the apiserver rejects',
    );
    // One header without a name and the step's x-canary: two different names.
    const once = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ headers: [{ value: 'a' }] }] }),
    ]);
    const admitted = guard([atHeaderStep], once);
    expect(admitted.refusal).toBeUndefined();
    expect((admitted.route.spec as JsonObject).rules).toHaveLength(2);
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
    const message =
      'Rollout web: the header-route rule name "Canary_Header" of managed route Canary_Header is not a valid rule name (only lowercase letters, digits, "-" and "." are allowed); rename the managed route';
    expect(guard([bad], fromGit).refusal).toBe(message);
    // With two source rules, the first name is the one reported (the second, Canary_Header-1,
    // is as invalid).
    const twoSources = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1)]),
      rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ path: { type: 'PathPrefix', value: '/b' } }] }),
    ]);
    expect(guard([bad], twoSources).refusal).toBe(message);
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
    const rollouts = (n: number) => Array.from({ length: n }, (_, i) => ({ ...at20, name: `r${i}` }));
    expectLinear(
      measureScaling(rollouts, (of) => guard(of, fromGit), 200),
      'guard, n Rollouts',
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

  it('a rule with fields the other lacks is not aligned, whichever side has them', () => {
    const refs = { backendRefs: weighted.backendRefs as JsonObject[] };
    // The request rule matches /a, the admitted one has only backendRefs (the default match, /).
    const onA = { ...weighted, matches: [{ path: { type: 'PathPrefix', value: '/a' } }] };
    expect(stagedRules([onA], [refs])[0]).toBe(onA);
    // The request rule has only backendRefs, the admitted one a name as well.
    const named = { ...refs, name: 'testers' };
    expect(stagedRules([refs], [named])[0]).toBe(refs);
  });

  it('the very same backendRefs do not align rules that differ elsewhere', () => {
    const shared = weighted.backendRefs as JsonObject[];
    const a = { name: 'a', backendRefs: shared };
    expect(stagedRules([a], [{ name: 'b', backendRefs: shared }])[0]).toBe(a);
  });

  it('keeps the request rules past the last admitted one (a rule the guard dropped)', () => {
    expect(stagedRules([weighted, header], [reweighted(weighted)])).toEqual([reweighted(weighted), header]);
  });

  it('is the admitted route itself when the request has no rules list', () => {
    const admitted = routeWith([reweighted(weighted)]);
    expect(stagedRoute('HTTPRoute', { kind: 'HTTPRoute', spec: {} }, admitted)).toBe(admitted);
  });
});

/** A Rollout state the guard could not put in place, as the finding reports it. */
function notGuarded(message: string, severity: 'error' | 'warning' = 'error') {
  return { severity, rule: 'gateway-api-not-guarded', field: 'spec.rules', message };
}

/** [weight of each backendRef] per rule of a route. */
function weightsOf(route: JsonObject): unknown[][] {
  return ((route.spec as JsonObject).rules as JsonObject[]).map((r) =>
    (r.backendRefs as JsonObject[]).map((b) => b.weight),
  );
}

describe('guardRoute: when the live weight leads the status', () => {
  // A header rule as plugin versions before rule names wrote it: the canary alone.
  const { name: _name, ...UNNAMED_HEADER_RULE } = HEADER_RULE;
  // The plugin writes the canary weight w into every canary backendRef outside its header
  // rules and 100 - w into every stable one (pkg/plugin/httproute.go `setHTTPRouteWeight`);
  // a live route that says exactly that for some integer w in 0..100 is what the plugin
  // wrote, and wins over the status (at20: 20 %).
  const cases: [string, JsonObject[], unknown[]][] = [
    ['60/40 (another weight than the status)', [rule([ref(STABLE, 60), ref(CANARY, 40)])], [60, 40]],
    ['0/100 (the upper bound)', [rule([ref(STABLE, 0), ref(CANARY, 100)])], [0, 100]],
    ['100/0 (the lower bound)', [rule([ref(STABLE, 100), ref(CANARY, 0)])], [100, 0]],
    [
      '60/40 after an unnamed header rule (the canary alone) that comes first',
      [UNNAMED_HEADER_RULE, rule([ref(STABLE, 60), ref(CANARY, 40)])],
      [60, 40],
    ],
    [
      '60/40 after a rule without the canary',
      [rule([ref('legacy', 1), ref('other', 1)]), rule([ref(STABLE, 60), ref(CANARY, 40)])],
      [60, 40],
    ],
    ['-1/101 (canary above 100): the status', [rule([ref(STABLE, -1), ref(CANARY, 101)])], [80, 20]],
    ['101/-1 (canary below 0): the status', [rule([ref(STABLE, 101), ref(CANARY, -1)])], [80, 20]],
    ['59.5/40.5 (not an integer): the status', [rule([ref(STABLE, 59.5), ref(CANARY, 40.5)])], [80, 20]],
    [
      '"60"/"40" (strings): the status',
      [
        rule([
          { ...ref(STABLE), weight: '60' },
          { ...ref(CANARY), weight: '40' },
        ]),
      ],
      [80, 20],
    ],
    [
      // Canary 89 everywhere, stable 1 and 111 where the plugin writes 11 and 11: the same
      // digits run together, so the weights must be compared one by one.
      'stable 1 and 111 where 11 and 11 are due: the status',
      [rule([ref(STABLE, 1), ref(CANARY, 89)]), rule([ref(STABLE, 111), ref(CANARY, 89)])],
      [80, 20],
    ],
  ];
  for (const [name, liveRules, expected] of cases) {
    it(name, () => {
      const result = guard([at20], fromGit, httpRoute(liveRules));
      expect(result.errors).toEqual([]);
      expect(weightsOf(result.route)).toEqual([expected]);
    });
  }

  it('a rule named after a managed route keeps its weights, even with both Services in it', () => {
    // setHTTPRouteWeight skips rules named after a managed route (isManagedRuleName), not
    // only the canary-only ones.
    const named = { ...rule([ref(STABLE, 7), ref(CANARY, 3)]), name: 'canary-by-header' };
    const requested = httpRoute([rule([ref(STABLE, 1), ref(CANARY, 1)]), named]);
    // A Rollout object of its own: its plan (the managed route names) is then made for this
    // review, not taken from the cache an earlier test filled for at20.
    const rollout = pluginRollout({ status: midCanary(1, 20) });
    expect(weightsOf(guard([rollout], requested).route)).toEqual([
      [80, 20],
      [7, 3],
    ]);
  });
});

describe('guardRoute: experiments (HTTPRoute only)', () => {
  const expRef = (name: string, weight: number): JsonObject => ({
    name,
    namespace: 'shop',
    port: 8080,
    weight,
    group: '',
    kind: 'Service',
  });
  /** At 20 % with experiment destinations (status.canary.weights.additional). */
  function withExperiments(additional: [string, number][], plugin?: JsonObject): Rollout {
    const status = midCanary(1, 20);
    const total = additional.reduce((sum, [, w]) => sum + w, 0);
    (status.canary as JsonObject).weights = {
      canary: { weight: 20, serviceName: CANARY },
      stable: { weight: 80 - total, serviceName: STABLE },
      additional: additional.map(([serviceName, weight]) => ({ weight, serviceName, podTemplateHash: 'e' })),
    };
    return pluginRollout({ status, plugin });
  }
  const twoRefs = httpRoute([rule([ref(STABLE, 1), ref(CANARY, 1)])]);

  it('keeps a live weight whose experiment backends carry the status weights', () => {
    // experiment.go: stable is 100 minus the experiments' total, whatever the canary weight.
    const live = httpRoute([rule([ref(STABLE, 90), ref(CANARY, 40), expRef('web-exp', 10)])]);
    const result = guard([withExperiments([['web-exp', 10]])], twoRefs, live);
    expect(result.errors).toEqual([]);
    expect(weightsOf(result.route)).toEqual([[90, 40, 10]]);
    expect(result.overrides.find((o) => o.key === 'spec.rules[*].backendRefs[name=web-exp]')).toEqual({
      key: 'spec.rules[*].backendRefs[name=web-exp]',
      rollout: 'web',
      live: '10',
      admitted: '10',
      meaning: 'experiment backend',
      provider: 'gateway-api',
    });
  });

  // Two rules, as the plugin writes them at canary 40 with a 10 % experiment: the canary 40 in
  // both, the stable 100 - 10 in the first rule (experiment.go) and 100 - 40 in the second
  // (setHTTPRouteWeight), the experiment backend in the first.
  const twoRules = httpRoute([
    rule([ref(STABLE, 1), ref(CANARY, 1)]),
    rule([ref(STABLE, 1), ref(CANARY, 1)]),
  ]);
  const firstAt40 = rule([ref(STABLE, 90), ref(CANARY, 40), expRef('web-exp', 10)]);

  // The second rule decides; at the status weight 20 the stable weight is 90 beside the
  // experiment and 80 in the second rule.
  const secondRuleCases: [string, JsonObject, number[][]][] = [
    [
      'keeps a live weight over two rules when each weight is the one the plugin writes for it',
      rule([ref(STABLE, 60), ref(CANARY, 40)]),
      [
        [90, 40, 10],
        [60, 40],
      ],
    ],
    [
      'uses the status weight when a later rule holds another canary weight',
      rule([ref(STABLE, 60), ref(CANARY, 30)]),
      [
        [90, 20, 10],
        [80, 20],
      ],
    ],
    [
      'uses the status weight when a later rule holds another stable weight',
      rule([ref(STABLE, 70), ref(CANARY, 40)]),
      [
        [90, 20, 10],
        [80, 20],
      ],
    ],
  ];
  for (const [name, second, expected] of secondRuleCases) {
    it(name, () => {
      const result = guard([withExperiments([['web-exp', 10]])], twoRules, httpRoute([firstAt40, second]));
      expect(result.errors).toEqual([]);
      expect(weightsOf(result.route)).toEqual(expected);
    });
  }

  it('uses the status weight when a live experiment backend has another weight (kept as it is)', () => {
    const live = httpRoute([rule([ref(STABLE, 90), ref(CANARY, 40), expRef('web-exp', 5)])]);
    expect(weightsOf(guard([withExperiments([['web-exp', 10]])], twoRefs, live).route)).toEqual([
      [90, 20, 5],
    ]);
  });

  it('uses the status weight when one of two experiment backends has another weight', () => {
    const live = httpRoute([
      rule([ref(STABLE, 85), ref(CANARY, 40), expRef('exp-a', 10), expRef('exp-b', 3)]),
    ]);
    const rollout = withExperiments([
      ['exp-a', 10],
      ['exp-b', 5],
    ]);
    expect(weightsOf(guard([rollout], twoRefs, live).route)).toEqual([[85, 20, 10, 3]]);
  });

  it('uses the status weight when the live route lacks an experiment backend (weight 1, the default)', () => {
    const live = httpRoute([rule([ref(STABLE, 99), ref(CANARY, 40)])]);
    const result = guard([withExperiments([['web-exp', 1]])], twoRefs, live);
    expect(weightsOf(result.route)).toEqual([[99, 20]]);
    expect(result.errors).toEqual([
      notGuarded(
        'Rollout web: experiment Service web-exp is not known, so its backendRef is not added',
        'warning',
      ),
    ]);
  });

  it('adds an experiment backend from its Service: the port named http, the Rollout namespace', () => {
    const service = {
      namespace: 'shop',
      name: 'web-exp',
      ports: [
        { name: 'grpc', port: 9000 },
        { name: 'http', port: 8081 },
      ],
    };
    const result = guard([withExperiments([['web-exp', 10]])], twoRefs, undefined, {
      getService: (namespace, name) => (namespace === 'shop' && name === 'web-exp' ? service : undefined),
    } as Partial<RouteDriftContext>);
    expect(result.errors).toEqual([]);
    expect(((result.route.spec as JsonObject).rules as JsonObject[])[0]!.backendRefs).toEqual([
      ref(STABLE, 90),
      ref(CANARY, 20),
      { name: 'web-exp', namespace: 'shop', port: 8081, weight: 10 },
    ]);
  });

  it('a GRPCRoute gets no experiment backend and its stable weight is 100 minus the canary weight', () => {
    // grpcroute.go `setGRPCRouteWeight` never calls HandleExperiment.
    const rollout = withExperiments([['web-exp', 10]], { grpcRoute: 'web' });
    const requested = grpcRoute([rule([ref(STABLE, 1), ref(CANARY, 1)])]);
    const created = guard([rollout], requested);
    expect(created.errors).toEqual([]);
    expect(weightsOf(created.route)).toEqual([[80, 20]]);
    // ... and a live GRPCRoute at 60/40 is consistent: experiments play no part in it.
    const updated = guard([rollout], requested, grpcRoute([rule([ref(STABLE, 60), ref(CANARY, 40)])]));
    expect(updated.errors).toEqual([]);
    expect(weightsOf(updated.route)).toEqual([[60, 40]]);
  });
});

describe('guardRoute: header rules already in the request', () => {
  const atHeaderStep = pluginRollout({ status: midCanary(3, 20) });
  const labels = { [LABEL]: 'in-progress' };

  it('drops a stale extra rule of the managed route (as the plugin upserts: all of its rules, then the new set)', () => {
    const stale = { ...HEADER_RULE, name: 'canary-by-header-1' };
    const requested = httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)]), HEADER_RULE, stale], labels);
    expect((guard([atHeaderStep], requested).route.spec as JsonObject).rules).toEqual([
      rule([ref(STABLE, 80), ref(CANARY, 20)]),
      HEADER_RULE,
    ]);
  });

  it('rebuilds the header rules when one of two is stale', () => {
    const source = (path: string) =>
      rule([ref(STABLE, 80), ref(CANARY, 20)], { matches: [{ path: { type: 'PathPrefix', value: path } }] });
    const headerFor = (name: string, path: string, value: string): JsonObject => ({
      name,
      matches: [
        { path: { type: 'PathPrefix', value: path }, headers: [{ name: 'x-canary', type: 'Exact', value }] },
      ],
      backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 80 }],
    });
    const requested = httpRoute(
      [
        source('/a'),
        source('/b'),
        headerFor('canary-by-header', '/a', 'yes'),
        headerFor('canary-by-header-1', '/b', 'old'),
      ],
      labels,
    );
    expect((guard([atHeaderStep], requested).route.spec as JsonObject).rules).toEqual([
      source('/a'),
      source('/b'),
      headerFor('canary-by-header', '/a', 'yes'),
      headerFor('canary-by-header-1', '/b', 'yes'),
    ]);
  });

  it('checks the rule names it writes: <name> alone on a one-rule route, <name>-1 too on two rules', () => {
    // 252 characters: valid alone; `<name>-1` has 254, over the 253 a rule name may have.
    const long = 'a'.repeat(252);
    const rollout = pluginRollout({
      status: midCanary(1, 20),
      managedRoutes: [long],
      steps: [
        { setHeaderRoute: { name: long, match: [{ headerName: 'x', headerValue: { exact: '1' } }] } },
        { setWeight: 20 },
      ],
    });
    const oneRule = guard([rollout], fromGit);
    expect(oneRule.refusal).toBeUndefined();
    expect(((oneRule.route.spec as JsonObject).rules as JsonObject[]).map((r) => r.name)).toEqual([
      undefined,
      long,
    ]);
    const twoRules = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ path: { type: 'PathPrefix', value: '/a' } }] }),
      rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ path: { type: 'PathPrefix', value: '/b' } }] }),
    ]);
    expect(guard([rollout], twoRules).refusal).toBe(
      `Rollout web: the header-route rule name "${long}-1" of managed route ${long} is not a valid rule name (it is longer than 253 characters); rename the managed route`,
    );
  });

  it('reports a header step the plugin cannot write (no headerValue) as not guarded', () => {
    const rollout = pluginRollout({
      status: midCanary(1, 20),
      managedRoutes: ['testers'],
      steps: [
        { setHeaderRoute: { name: 'testers', match: [{ headerName: 'x-tester' }] } },
        { setWeight: 20 },
      ],
    });
    const result = guard([rollout], fromGit);
    expect(result.route).toEqual(fromGit);
    expect(result.errors).toEqual([
      notGuarded(
        'Rollout web: its header routes cannot be written: setHeaderRoute match for x-tester has no headerValue',
      ),
    ]);
  });
});

describe('guardRoute: the apiserver limits the header rules may reach', () => {
  const atHeaderStep = pluginRollout({ status: midCanary(3, 20) });
  const withPaths = (count: number, matchesEach = 1) =>
    Array.from({ length: count }, (_, i) =>
      rule([ref(STABLE, 1), ref(CANARY, 1)], {
        matches: Array.from({ length: matchesEach }, (_, j) => ({
          path: { type: 'PathPrefix', value: `/r${i}/m${j}` },
        })),
      }),
    );
  const xHeaders = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ name: `x-h${i}`, type: 'Exact', value: 'v' }));

  it('admits exactly 16 rules (8 source rules and their header rules)', () => {
    const result = guard([atHeaderStep], httpRoute(withPaths(8)));
    expect(result.refusal).toBeUndefined();
    expect((result.route.spec as JsonObject).rules).toHaveLength(16);
  });

  it('admits exactly 128 matches and denies more', () => {
    const at128 = guard([atHeaderStep], httpRoute(withPaths(1, 64)));
    expect(at128.refusal).toBeUndefined();
    expect((at128.route.spec as JsonObject).rules).toHaveLength(2);
    expect(guard([atHeaderStep], httpRoute(withPaths(2, 64))).refusal).toBe(
      'Rollout web: the route would need 256 matches with the header-route rules, and the apiserver allows 128',
    );
  });

  it('counts header matches without a name as one name, the empty one, twice', () => {
    const requested = httpRoute([
      rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ headers: [{ value: 'a' }, 'x'] }] }),
    ]);
    expect(guard([atHeaderStep], requested).refusal).toBe(
      'Rollout web: header-route rule canary-by-header would match header  twice in one match (the source rule already matches it), which the apiserver rejects',
    );
  });

  it('admits 16 header matches in one match and denies 17', () => {
    const sourceWith = (count: number) =>
      httpRoute([rule([ref(STABLE, 1), ref(CANARY, 1)], { matches: [{ headers: xHeaders(count) }] })]);
    const at16 = guard([atHeaderStep], sourceWith(15));
    expect(at16.refusal).toBeUndefined();
    const header = ((at16.route.spec as JsonObject).rules as JsonObject[])[1]!;
    expect(((header.matches as JsonObject[])[0]!.headers as JsonObject[]).map((h) => h.name)).toEqual([
      ...xHeaders(15).map((h) => h.name),
      'x-canary',
    ]);
    expect(guard([atHeaderStep], sourceWith(16)).refusal).toBe(
      'Rollout web: header-route rule canary-by-header would need 17 header matches in one match, and the apiserver allows 16',
    );
  });
});

describe('guardRoute: configuration and labels', () => {
  it('skips Rollouts without a canary, without traffic routing, or naming another route', () => {
    const blueGreen: Rollout = { ...at20, name: 'blue', canary: undefined };
    const noRouting: Rollout = {
      ...at20,
      name: 'plain',
      canary: { ...at20.canary!, trafficRouting: undefined },
    };
    const other = {
      ...pluginRollout({ status: midCanary(1, 40), plugin: { httpRoute: 'other' } }),
      name: 'other',
    };
    const result = guard([blueGreen, noRouting, other, at20], fromGit);
    expect(result.owners).toEqual(['shop/web']);
    expect(weightsOf(result.route)).toEqual([[80, 20]]);
  });

  it('writes header rules when any entry naming the route sets useHeaderRoutes', () => {
    // `httpRoute: web` is an entry with useHeaderRoutes; `httpRoutes: [{name: web}]` one without.
    const rollout = pluginRollout({
      status: midCanary(3, 20),
      plugin: { httpRoute: 'web', httpRoutes: [{ name: 'web' }] },
    });
    const rules = (guard([rollout], fromGit).route.spec as JsonObject).rules as JsonObject[];
    expect(rules.map((r) => r.name)).toEqual([undefined, 'canary-by-header']);
  });

  it('sets the weights without header rules when no entry sets useHeaderRoutes', () => {
    const rollout = pluginRollout({ status: midCanary(3, 20), plugin: { httpRoutes: [{ name: 'web' }] } });
    const result = guard([rollout], fromGit);
    expect(result.errors).toEqual([]);
    expect(weightsOf(result.route)).toEqual([[80, 20]]);
  });

  it('reports a Rollout without a canaryService as not guarded, and leaves the route as requested', () => {
    const noCanary: Rollout = { ...at20, canary: { ...at20.canary!, canaryService: '' } };
    const result = guard([noCanary], fromGit);
    expect(result.route).toEqual(fromGit);
    expect(result.owners).toEqual([]);
    expect(result.errors).toEqual([
      notGuarded('Rollout web: the plugin needs both canaryService and stableService'),
    ]);
  });

  it('reports the error of a route without the canary backend in full', () => {
    expect(guard([at20], httpRoute([rule([ref(STABLE, 1)])])).errors).toEqual([
      notGuarded('Rollout web: its weights cannot be written: backendRef was not found in httpRoute'),
    ]);
  });

  it('writes no label with disableInProgressLabel', () => {
    const rollout = pluginRollout({
      status: midCanary(1, 20),
      plugin: { httpRoute: 'web', disableInProgressLabel: true },
    });
    const result = guard([rollout], fromGit, httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)])]));
    expect(patchOf(fromGit, result)).toEqual([
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 80 },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 20 },
    ]);
    expect(result.overrides.map((o) => o.key)).toEqual([
      `spec.rules[*].backendRefs[name=${CANARY}].weight`,
      `spec.rules[*].backendRefs[name=${STABLE}].weight`,
    ]);
  });

  it('removes the labels map when the in-progress label was its only entry', () => {
    const aborted = pluginRollout({ status: midCanary(0, 40, { abort: true }) });
    const requested = httpRoute([rule([ref(STABLE, 60), ref(CANARY, 40)])], { [LABEL]: 'in-progress' });
    expect(patchOf(requested, guard([aborted], requested, requested))).toEqual([
      { op: 'remove', path: '/metadata/labels' },
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 100 },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 0 },
    ]);
  });

  it('adds no metadata to a route that has none when there is no label to write', () => {
    const aborted = pluginRollout({ status: midCanary(0, 40, { abort: true }) });
    const { metadata: _, ...bare } = httpRoute([rule([ref(STABLE, 100), ref(CANARY, 0)])]);
    const result = guard([aborted], bare);
    expect(result.route).toEqual(bare);
  });
});

describe('guardRoute: several Rollouts', () => {
  const inNamespace = (namespace: string, weight: number) =>
    pluginRollout({
      namespace,
      status: midCanary(1, weight),
      plugin: { httpRoute: 'web', namespace: 'shop' },
    });

  it('applies them by namespace, then name, whatever order they come in (the last one wins a shared weight)', () => {
    const zeta = inNamespace('zeta', 20);
    const alpha = inNamespace('alpha', 40);
    for (const rollouts of [
      [zeta, alpha],
      [alpha, zeta],
    ]) {
      const result = guard(rollouts, fromGit);
      expect(result.owners).toEqual(['alpha/web', 'zeta/web']);
      expect(weightsOf(result.route)).toEqual([[80, 20]]);
    }
  });

  it('orders Rollouts of one namespace by name', () => {
    const api: Rollout = { ...pluginRollout({ status: midCanary(1, 40) }), name: 'api' };
    for (const rollouts of [
      [api, at20],
      [at20, api],
    ]) {
      const result = guard(rollouts, fromGit);
      expect(result.owners).toEqual(['shop/api', 'shop/web']);
      expect(weightsOf(result.route)).toEqual([[80, 20]]);
    }
  });
});

describe('the plan of a Rollout, one per Rollout object', () => {
  const headerRules = (route: JsonObject) =>
    ((route.spec as JsonObject).rules as JsonObject[]).filter((r) => r.name === 'canary-by-header');

  it('is made once and handed out again for the same object; another object gets its own', () => {
    const rollout = pluginRollout({ status: midCanary(3, 20) });
    const plan = rolloutPlanOf(rollout);
    expect(plan?.withHeaderRoutes.state.headerRoutes.map((r) => r.name)).toEqual(['canary-by-header']);
    expect(plan?.withoutHeaderRoutes.state.headerRoutes).toEqual([]);
    expect(plan?.owners.GRPCRoute.kind).toBe('GRPCRoute');
    expect(rolloutPlanOf(rollout)).toBe(plan);
    const same = pluginRollout({ status: midCanary(3, 20) });
    expect(rolloutPlanOf(same)).not.toBe(plan);
    expect(rolloutPlanOf(same)).toEqual(plan);
  });

  it('is none for a Rollout without the plugin, asked once or twice', () => {
    const alb = { ...pluginRollout(), canary: { ...pluginRollout().canary!, trafficRouting: {} } } as Rollout;
    expect(rolloutPlanOf(alb)).toBeUndefined();
    expect(rolloutPlanOf(alb)).toBeUndefined();
  });

  it('follows the Rollout: a changed Rollout (a new object) is guarded by its own state, review after review', () => {
    const before = pluginRollout({ status: midCanary(1, 20) });
    const after = pluginRollout({ status: midCanary(3, 40) });
    for (const round of [1, 2]) {
      for (const [rollout, weights, headers] of [
        [before, [80, 20], 0],
        [after, [60, 40], 1],
      ] as const) {
        const route = guard([rollout], fromGit).route;
        const refs = ((route.spec as JsonObject).rules as JsonObject[])[0]!.backendRefs as JsonObject[];
        expect(
          refs.map((b) => b.weight),
          `round ${round}`,
        ).toEqual(weights);
        expect(headerRules(route), `round ${round}`).toHaveLength(headers);
      }
    }
  });
});

describe('gatewayApiTrafficProvider', () => {
  const provider = gatewayApiTrafficProvider;

  it('reads the Rollout state the plugin writes', () => {
    expect(provider.trafficStateOf(at20)).toEqual({
      stableService: STABLE,
      canaryService: CANARY,
      canaryWeight: 20,
      additional: [],
      source: 'status-weights',
      totalWeight: 100,
      headerRoutes: [],
      removedRoutes: ['canary-by-header'],
    });
  });

  it('does nothing for an object that is not a route, or a route no Rollout names', () => {
    const over = httpRoute(Array.from({ length: 17 }, () => rule([ref(STABLE), ref(CANARY)])));
    const base = { requested: over, albRollouts: [], rolloutNamed: () => undefined };
    expect(provider.reconcile({ ...over }, base)).toEqual({ shares: [], errors: [] });
    const route = {
      kind: 'HTTPRoute' as const,
      namespace: 'shop',
      name: 'web',
      rollouts: [],
      getService: () => undefined,
    };
    expect(provider.reconcile({ ...over }, { ...base, route })).toEqual({ shares: [], errors: [] });
  });

  describe('ownedValue', () => {
    const weightKey = (name: string) => `spec.rules[*].backendRefs[name=${name}].weight`;
    const backendKey = (name: string) => `spec.rules[*].backendRefs[name=${name}]`;
    const route = httpRoute(
      [
        rule([ref(STABLE, 80), ref(CANARY, 20)]),
        rule([ref(STABLE, 70), ref(CANARY, 30), ref('web-exp')]),
        HEADER_RULE,
      ],
      { [LABEL]: 'in-progress' },
    );

    it('weights: over the rules with two backendRefs or more, in order', () => {
      expect(provider.ownedValue(route, weightKey(CANARY))).toBe('20,30');
      expect(provider.ownedValue(route, weightKey(STABLE))).toBe('80,70');
      expect(provider.ownedValue(route, weightKey('web-exp'))).toBe('1');
      const nullWeight = httpRoute([rule([{ ...ref(STABLE), weight: null }, ref(CANARY, 20)])]);
      expect(provider.ownedValue(nullWeight, weightKey(STABLE))).toBe('1');
      expect(provider.ownedValue(route, weightKey('absent'))).toBeUndefined();
      expect(provider.ownedValue(httpRoute([HEADER_RULE]), weightKey(CANARY))).toBeUndefined();
    });

    it('reads past rules and backendRefs that are not objects (the apiserver rejects them)', () => {
      const odd = httpRoute([rule([ref(STABLE, 80), ref(CANARY, 20)])]);
      const rules = (odd.spec as JsonObject).rules as Json[];
      rules.unshift(7);
      rules.push(rule([ref(CANARY, 5), 'x' as unknown as JsonObject]));
      // The second rule has one backendRef once the string is left out: not a weighted rule.
      expect(provider.ownedValue(odd, weightKey(CANARY))).toBe('20');
      expect(provider.ownedValue(odd, backendKey(CANARY))).toBe('20');
    });

    it('a backend: the weight of its first backendRef, in any rule', () => {
      expect(provider.ownedValue(route, backendKey('web-exp'))).toBe('1');
      expect(provider.ownedValue(route, backendKey(CANARY))).toBe('20');
      expect(provider.ownedValue(route, backendKey('absent'))).toBeUndefined();
    });

    it('a rule: its canonical text after the CRD defaults of the route kind', () => {
      const grpcRule = {
        name: 'h',
        matches: [{ method: { service: 's' } }],
        backendRefs: [{ name: CANARY, port: 80 }],
      };
      expect(provider.ownedValue(grpcRoute([grpcRule]), 'spec.rules[name=h]')).toBe(
        '{"backendRefs":[{"group":"","kind":"Service","name":"web-canary","port":80,"weight":1}],' +
          '"matches":[{"method":{"service":"s","type":"Exact"}}],"name":"h"}',
      );
      expect(provider.ownedValue(httpRoute([grpcRule]), 'spec.rules[name=h]')).toBe(
        '{"backendRefs":[{"group":"","kind":"Service","name":"web-canary","port":80,"weight":1}],' +
          '"matches":[{"method":{"service":"s"},"path":{"type":"PathPrefix","value":"/"}}],"name":"h"}',
      );
      expect(provider.ownedValue(route, 'spec.rules[name=absent]')).toBeUndefined();
    });

    it('a label: a string value under a key written as a JSON string', () => {
      expect(provider.ownedValue(route, `metadata.labels["${LABEL}"]`)).toBe('in-progress');
      expect(provider.ownedValue(route, `metadata.labels[${LABEL}]`)).toBeUndefined();
      const numbered = httpRoute([], { '5': 'five' });
      expect(provider.ownedValue(numbered, 'metadata.labels["5"]')).toBe('five');
      expect(provider.ownedValue(numbered, 'metadata.labels[5]')).toBeUndefined();
      const notText = httpRoute([]);
      (notText.metadata as JsonObject).labels = { [LABEL]: 5 };
      expect(provider.ownedValue(notText, `metadata.labels["${LABEL}"]`)).toBeUndefined();
    });

    it('nothing for another key or no route', () => {
      expect(provider.ownedValue(route, 'spec.hostnames')).toBeUndefined();
      expect(provider.ownedValue(undefined, weightKey(CANARY))).toBeUndefined();
    });
  });
});
