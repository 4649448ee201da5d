/**
 * What the plugin writes, case by case, following the cases of
 * argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0 pkg/plugin/plugin_test.go
 * (`SetHTTPRouteWeight`, `SetWeightPreservesUnmanagedHTTPBackends`,
 * `SetWeightDoesNotClobberHTTPHeaderRouteWeight`, `TestSetHTTPHeaderRouteWithExistingHeaders`,
 * `...WithExistingMethod`, `...WithExistingQueryParams`, `...WithFilters`,
 * `TestSetHTTPHeaderRouteMultiRuleHTTPRoute`, `TestSetGRPCHeaderRouteWithMethodAndHeaders`),
 * pkg/plugin/experiment_test.go and labels.go.
 */
import { describe, expect, it } from 'vitest';
import {
  buildHeaderRules,
  experimentPort,
  pluginHeaderMatches,
  setWeights,
  withInProgressLabel,
  type RouteOwner,
} from '../../../src/routing/gateway-api/index.js';
import { addExperimentBackends, headerSourceRules } from '../../../src/routing/gateway-api/render.js';
import type { JsonObject } from '../../../src/routing/model.js';
import { CANARY, STABLE, deepFrozen, ref, rule } from './builders.js';

const owner: RouteOwner = {
  kind: 'HTTPRoute',
  canaryService: CANARY,
  stableService: STABLE,
  managedNames: new Set(['hdr']),
  rolloutNamespace: 'shop',
};

describe('setWeights', () => {
  it('sets canary and 100 minus it in every rule that is not a managed rule, leaving other backends alone', () => {
    const rules = [
      rule([ref(STABLE, 100), ref(CANARY, 0), ref('other', 7)]),
      rule([ref(CANARY), ref(STABLE)]),
      rule([ref(CANARY)], { name: 'hdr' }),
      rule([ref(CANARY)]),
    ];
    const out = setWeights(rules, owner, 30);
    expect(out.canaryFound && out.stableFound).toBe(true);
    expect(out.rules.map((r) => (r.backendRefs as JsonObject[]).map((b) => b.weight))).toEqual([
      [70, 30, 7],
      [30, 70],
      [undefined],
      [undefined],
    ]);
    expect(out.rules[2]).toBe(rules[2]);
    expect(rules[0]!.backendRefs).toEqual([ref(STABLE, 100), ref(CANARY, 0), ref('other', 7)]);
  });

  it('reports a Service found in no rule (the plugin fails with backendRef was not found)', () => {
    expect(setWeights([rule([ref(STABLE)])], owner, 10)).toMatchObject({
      canaryFound: false,
      stableFound: true,
    });
  });

  it('keeps rule objects whose weights are already right', () => {
    const rules = [rule([ref(STABLE, 80), ref(CANARY, 20)])];
    expect(setWeights(rules, owner, 20).rules[0]).toBe(rules[0]);
  });
});

describe('experiment backends (HTTPRoute)', () => {
  const services = {
    service: (_ns: string, name: string) =>
      name === 'exp-a'
        ? {
            namespace: 'shop',
            name,
            ports: [
              { name: 'metrics', port: 9090 },
              { name: 'http', port: 8081 },
            ],
          }
        : undefined,
    existing: () => undefined,
  };

  it('sets the first rule stable to 100 minus the experiments and appends the missing ones', () => {
    const rules = [rule([ref(STABLE, 80), ref(CANARY, 20)]), rule([ref(STABLE, 80), ref(CANARY, 20)])];
    const out = addExperimentBackends(
      rules,
      owner,
      [
        { serviceName: 'exp-a', weight: 10 },
        { serviceName: 'exp-b', weight: 5 },
      ],
      services,
    );
    expect(out.missingServices).toEqual(['exp-b']);
    expect(out.rules[0]!.backendRefs).toEqual([
      ref(STABLE, 85),
      ref(CANARY, 20),
      { name: 'exp-a', namespace: 'shop', port: 8081, weight: 10 },
    ]);
    expect(out.rules[1]).toBe(rules[1]);
  });

  it('caps the experiments total at 100 and leaves an existing experiment backend as it is', () => {
    const rules = [rule([ref(STABLE, 80), ref(CANARY, 20), ref('exp-a', 3)])];
    const out = addExperimentBackends(rules, owner, [{ serviceName: 'exp-a', weight: 120 }], services);
    expect(out.rules[0]!.backendRefs).toEqual([ref(STABLE, 0), ref(CANARY, 20), ref('exp-a', 3)]);
  });

  it('picks the port as the plugin does: named http, else the first, else 8080', () => {
    expect(
      experimentPort({ namespace: 's', name: 'x', ports: [{ port: 1 }, { name: 'http', port: 2 }] }),
    ).toBe(2);
    expect(
      experimentPort({ namespace: 's', name: 'x', ports: [{ port: 1 }, { name: 'http', port: 8080 }] }),
    ).toBe(1);
    expect(experimentPort({ namespace: 's', name: 'x', ports: [{ port: 3 }] })).toBe(3);
    expect(experimentPort({ namespace: 's', name: 'x', ports: [] })).toBe(8080);
  });
});

describe('header-route rules', () => {
  it('converts exact, prefix and regex as the plugin does, and refuses a match with no value', () => {
    expect(
      pluginHeaderMatches([
        { headerName: 'a', headerValue: { exact: '1' } },
        { headerName: 'b', headerValue: { prefix: 'v2' } },
        { headerName: 'c', headerValue: { regex: '^x$' } },
      ]),
    ).toEqual({
      headers: [
        { name: 'a', type: 'Exact', value: '1' },
        { name: 'b', type: 'RegularExpression', value: 'v2.*' },
        { name: 'c', type: 'RegularExpression', value: '^x$' },
      ],
    });
    expect(pluginHeaderMatches([{ headerName: 'a', headerValue: {} }])).toEqual({
      error: 'invalid header match type',
    });
    expect(pluginHeaderMatches([{ headerName: 'a', headerValue: null }])).toEqual({
      error: 'setHeaderRoute match for a has no headerValue',
    });
  });

  const headers = [{ name: 'x-canary', type: 'Exact', value: 'yes' }];

  it('builds one rule per source rule, named <route>, <route>-1, with the canary port, filters and merged matches', () => {
    const filter = {
      type: 'RequestHeaderModifier',
      requestHeaderModifier: { set: [{ name: 'x', value: 'y' }] },
    };
    const sources: JsonObject[] = [
      {
        matches: [
          {
            path: { type: 'PathPrefix', value: '/a' },
            headers: [{ name: 'tenant', value: 't1' }],
            method: 'GET',
          },
          { path: { type: 'Exact', value: '/b' }, queryParams: [{ name: 'q', value: '1' }] },
        ],
        filters: [filter],
        backendRefs: [ref(STABLE, 80, 8080), ref(CANARY, 20, 8081)],
        timeouts: { request: '5s' },
      },
      { backendRefs: [ref(STABLE), ref(CANARY)] },
    ];
    expect(buildHeaderRules(owner, 'hdr', sources, headers)).toEqual([
      {
        name: 'hdr',
        matches: [
          {
            path: { type: 'PathPrefix', value: '/a' },
            method: 'GET',
            headers: [{ name: 'tenant', value: 't1' }, ...headers],
          },
          { path: { type: 'Exact', value: '/b' }, queryParams: [{ name: 'q', value: '1' }], headers },
        ],
        backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 8081 }],
        filters: [filter],
      },
      {
        name: 'hdr-1',
        matches: [{ headers }],
        backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 80 }],
      },
    ]);
  });

  it('keeps only the method and headers of a GRPCRoute match', () => {
    const grpc: RouteOwner = { ...owner, kind: 'GRPCRoute' };
    const source = {
      matches: [{ method: { service: 'shop.Cart', method: 'Get' }, headers: [{ name: 'a', value: 'b' }] }],
      backendRefs: [ref(STABLE), ref(CANARY)],
    };
    expect(buildHeaderRules(grpc, 'hdr', [source], headers)[0]!.matches).toEqual([
      { method: { service: 'shop.Cart', method: 'Get' }, headers: [{ name: 'a', value: 'b' }, ...headers] },
    ]);
  });

  it('takes as sources only rules that hold both Services', () => {
    const rules = [rule([ref(STABLE), ref(CANARY)]), rule([ref(STABLE)]), rule([ref(CANARY)])];
    expect(headerSourceRules(rules, owner)).toEqual([rules[0]]);
  });
});

describe('in-progress label (labels.go ensureInProgressLabel)', () => {
  const label = { key: 'k', value: 'in-progress' };
  it('sets it while the weight is above 0 and removes it at 0', () => {
    expect(withInProgressLabel(undefined, label, 20)).toEqual({ k: 'in-progress' });
    expect(withInProgressLabel({ a: 'b', k: 'other' }, label, 20)).toEqual({ a: 'b', k: 'in-progress' });
    expect(withInProgressLabel({ a: 'b', k: 'in-progress' }, label, 0)).toEqual({ a: 'b' });
  });
  it('returns the same object when nothing changes, and does nothing when disabled', () => {
    const labels = { k: 'in-progress' };
    expect(withInProgressLabel(labels, label, 5)).toBe(labels);
    const none = { a: 'b' };
    expect(withInProgressLabel(none, label, 0)).toBe(none);
    expect(withInProgressLabel(none, undefined, 50)).toBe(none);
  });
});

describe('setWeights: rules it cannot edit', () => {
  it('reports the stable Service missing when only the canary is found', () => {
    expect(setWeights([rule([ref(CANARY), ref('other')])], owner, 10)).toMatchObject({
      canaryFound: true,
      stableFound: false,
    });
  });

  it('skips a rule without backendRefs (a redirect rule, say)', () => {
    const redirect: JsonObject = { filters: [{ type: 'RequestRedirect', requestRedirect: { port: 443 } }] };
    const rules = [redirect, rule([ref(STABLE), ref(CANARY)])];
    const out = setWeights(rules, owner, 10);
    expect(out.rules[0]).toBe(redirect);
    expect(out.rules[1]!.backendRefs).toEqual([ref(STABLE, 90), ref(CANARY, 10)]);
  });
});

describe('experiment backends: which rule, which stable backendRef (experiment.go HandleExperiment)', () => {
  const exp = (name: string, port: number, weight: number) => ({ name, namespace: 'shop', port, weight });
  const lookup = {
    service: (_ns: string, name: string) => ({
      namespace: 'shop',
      name,
      ports: [{ name: 'http', port: 8081 }],
    }),
    existing: () => undefined,
  };

  it('goes into the first rule holding the stable or the canary Service, not the first rule', () => {
    const legacy = rule([ref('legacy', 1)]);
    const stableOnly = rule([ref(STABLE, 100), ref('other', 1)]);
    const canaryOnly = rule([ref('other', 1), ref(CANARY, 20)]);
    const both = rule([ref(STABLE, 80), ref(CANARY, 20)]);
    const additional = [{ serviceName: 'exp-a', weight: 10 }];
    expect(addExperimentBackends([legacy, stableOnly, both], owner, additional, lookup).rules).toEqual([
      legacy,
      rule([ref(STABLE, 90), ref('other', 1), exp('exp-a', 8081, 10)]),
      both,
    ]);
    expect(addExperimentBackends([legacy, canaryOnly, both], owner, additional, lookup).rules).toEqual([
      legacy,
      rule([ref('other', 1), ref(CANARY, 20), exp('exp-a', 8081, 10)]),
      both,
    ]);
  });

  it('sets the stable backendRef wherever it stands in the rule', () => {
    const rules = [rule([ref(CANARY, 20), ref(STABLE, 80)])];
    expect(
      addExperimentBackends(rules, owner, [{ serviceName: 'exp-a', weight: 10 }], lookup).rules[0]!
        .backendRefs,
    ).toEqual([ref(CANARY, 20), ref(STABLE, 90), exp('exp-a', 8081, 10)]);
  });

  it('changes nothing without experiments or without a rule holding either Service', () => {
    const rules = [rule([ref(STABLE, 80), ref(CANARY, 20)])];
    expect(addExperimentBackends(rules, owner, [], lookup)).toEqual({ rules, missingServices: [] });
    const other = [rule([ref('legacy', 1)])];
    const unknown = { service: () => undefined, existing: () => undefined };
    expect(addExperimentBackends(other, owner, [{ serviceName: 'exp-b', weight: 10 }], unknown)).toEqual({
      rules: other,
      missingServices: [],
    });
  });

  it('keeps the rule object when there is neither a stable weight to set nor a backend to add', () => {
    const rules = [rule([ref(CANARY, 20), ref('exp-a', 10)])];
    const out = addExperimentBackends(rules, owner, [{ serviceName: 'exp-a', weight: 10 }], lookup);
    expect(out.rules[0]).toBe(rules[0]);
  });

  it('adds a destination listed twice once', () => {
    const rules = [rule([ref(STABLE, 80), ref(CANARY, 20)])];
    const twice = [
      { serviceName: 'exp-a', weight: 5 },
      { serviceName: 'exp-a', weight: 5 },
    ];
    expect(addExperimentBackends(rules, owner, twice, lookup).rules[0]!.backendRefs).toEqual([
      ref(STABLE, 90),
      ref(CANARY, 20),
      exp('exp-a', 8081, 5),
    ]);
  });

  it('writes into copies only', () => {
    const rules = deepFrozen([rule([ref(STABLE, 80), ref(CANARY, 20)])]);
    const out = addExperimentBackends(rules, owner, [{ serviceName: 'exp-a', weight: 10 }], lookup);
    expect(out.rules[0]!.backendRefs).toEqual([ref(STABLE, 90), ref(CANARY, 20), exp('exp-a', 8081, 10)]);
    expect(rules[0]!.backendRefs).toEqual([ref(STABLE, 80), ref(CANARY, 20)]);
  });
});

describe('header-route rules: the match fields each kind keeps', () => {
  const headers = [{ name: 'x-canary', type: 'Exact', value: 'yes' }];

  it('a GRPCRoute match keeps no HTTP field, and gets no method when it has none', () => {
    const grpc: RouteOwner = { ...owner, kind: 'GRPCRoute' };
    const source: JsonObject = {
      matches: [{ path: { type: 'PathPrefix', value: '/' }, queryParams: [] }, { method: null }],
      backendRefs: [ref(STABLE), ref(CANARY)],
    };
    expect(buildHeaderRules(grpc, 'hdr', [source], headers)[0]!.matches).toStrictEqual([
      { headers },
      { headers },
    ]);
  });

  it('an HTTPRoute match drops the fields that are null', () => {
    const source = {
      matches: [{ path: null, queryParams: null, method: 'GET' }],
      backendRefs: [ref(STABLE), ref(CANARY)],
    };
    expect(buildHeaderRules(owner, 'hdr', [source], headers)[0]!.matches).toStrictEqual([
      { method: 'GET', headers },
    ]);
  });
});

describe('header-route rules: the canary backendRef and the filters', () => {
  const headers = [{ name: 'x-canary', type: 'Exact', value: 'yes' }];

  it('gives the canary backendRef no port when the source has none (absent or null)', () => {
    const sources = [
      { backendRefs: [ref(STABLE), { name: CANARY }] },
      { backendRefs: [ref(STABLE), { name: CANARY, port: null }] },
    ];
    expect(buildHeaderRules(owner, 'hdr', sources, headers).map((r) => r.backendRefs)).toStrictEqual([
      [{ group: '', kind: 'Service', name: CANARY }],
      [{ group: '', kind: 'Service', name: CANARY }],
    ]);
  });

  it('skips source matches that are not objects', () => {
    const source = {
      matches: ['x', { path: { type: 'Exact', value: '/a' } }],
      backendRefs: [ref(STABLE), ref(CANARY)],
    };
    expect(buildHeaderRules(owner, 'hdr', [source], headers)[0]!.matches).toStrictEqual([
      { path: { type: 'Exact', value: '/a' }, headers },
    ]);
  });

  it('writes no filters field for an empty filter list (Go omitempty)', () => {
    const source = { filters: [], backendRefs: [ref(STABLE), ref(CANARY)] };
    expect(buildHeaderRules(owner, 'hdr', [source], headers)[0]).toStrictEqual({
      name: 'hdr',
      matches: [{ headers }],
      backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 80 }],
    });
  });
});
