import { describe, expect, it } from 'vitest';
import { desiredAlbIngress } from '../../../src/routing/alb/render.js';
import type { JsonObject, Rollout, TrafficState } from '../../../src/routing/model.js';
import { trafficStateOf } from '../../../src/routing/traffic-state.js';
import { albIngress, albRollout, midRollout, rollout, v1Path, type Loose } from '../builders.js';

const MANAGED = 'rollouts.argoproj.io/managed-alb-annotations';
const LEGACY = 'rollouts.argoproj.io/managed-alb-actions';
const ACTION = 'alb.ingress.kubernetes.io/actions.stable-svc';
const W10 =
  '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":10},{"ServiceName":"stable-svc","ServicePort":"443","Weight":90}]}}';
const HDR_ACTION =
  '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":100}]}}';

function desired(ingress: JsonObject, r: Rollout) {
  const state = trafficStateOf(r, 'alb');
  if (!state) throw new Error('no ALB state');
  return desiredAlbIngress(ingress, r, state);
}

const annotationsOf = (ingress: JsonObject) =>
  (ingress.metadata as { annotations: Record<string, string> }).annotations;
const pathsOf = (ingress: JsonObject, rule = 0) =>
  (
    (ingress.spec as { rules: { http: { paths: JsonObject[] } }[] }).rules[rule]!.http.paths as JsonObject[]
  ).map(
    (p) =>
      (p.backend as { service?: { name: string }; serviceName?: string }).service?.name ??
      (p.backend as { serviceName: string }).serviceName,
  );

/** Header-route Rollout: managedRoutes [hdr-a, hdr-b], steps setWeight 10, hdr-a, hdr-b, pause, remove hdr-a. */
function headerRollout(currentStepIndex: number, status: Loose = {}, albExtra: Loose = {}) {
  const header = (name: string, exact: string | null) => ({
    setHeaderRoute:
      exact === null ? { name } : { name, match: [{ headerName: 'x-canary', headerValue: { exact } }] },
  });
  return rollout({
    canary: {
      trafficRouting: {
        alb: { ingress: 'ingress', servicePort: 443, ...albExtra },
        managedRoutes: [{ name: 'hdr-a' }, { name: 'hdr-b' }],
      },
      steps: [
        { setWeight: 10 },
        header('hdr-a', 'a'),
        header('hdr-b', 'b'),
        { pause: {} },
        header('hdr-a', null),
      ],
    },
    status: midRollout(10, { currentStepIndex, ...status }),
  });
}

describe('desiredAlbIngress: weight action and bookkeeping (argo alb.go, argo alb_test.go)', () => {
  it('argo alb_test.go adds the action and managed annotations, keeps the class annotation and the spec', () => {
    const input = albIngress();
    const result = desired(input, rollout({ status: midRollout(10) }));
    expect(result.errors).toEqual([]);
    expect(annotationsOf(result.ingress)).toEqual({
      'kubernetes.io/ingress.class': 'alb',
      [ACTION]: W10,
      [MANAGED]: '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"]}',
    });
    expect(result.ingress.spec).toEqual(input.spec);
    expect(result.ownedKeys).toEqual([ACTION, MANAGED]);
  });

  it('does not modify its input', () => {
    const input = albIngress();
    const before = JSON.stringify(input);
    desired(input, rollout({ status: midRollout(10) }));
    expect(JSON.stringify(input)).toBe(before);
  });

  it('argo alb.go HEAD: an Ingress without annotations is treated as empty', () => {
    const input = albIngress();
    delete (input.metadata as Loose).annotations;
    expect(annotationsOf(desired(input, rollout({ status: midRollout(10) })).ingress)).toEqual({
      [ACTION]: W10,
      [MANAGED]: '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"]}',
    });
  });

  it('argo alb.go an Ingress without metadata gets metadata.annotations created', () => {
    const input = albIngress();
    delete input.metadata;
    const result = desired(input, rollout({ status: midRollout(10) }));
    expect(result.ingress.metadata).toEqual({
      annotations: {
        [ACTION]: W10,
        [MANAGED]: '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"]}',
      },
    });
  });

  it('argo ingress.go keeps other Rollouts’ entries and unrelated annotations, sorts the map', () => {
    const input = albIngress([v1Path('stable-svc')], {
      [MANAGED]: '{"zeta":["x.io/actions.z"],"alpha":["alb.ingress.kubernetes.io/actions.other"]}',
      'alb.ingress.kubernetes.io/actions.other': '{"keep":"me"}',
      unrelated: 'yes',
    });
    const a = annotationsOf(desired(input, rollout({ status: midRollout(10) })).ingress);
    expect(a[MANAGED]).toBe(
      '{"alpha":["alb.ingress.kubernetes.io/actions.other"],"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"],"zeta":["x.io/actions.z"]}',
    );
    expect(a['alb.ingress.kubernetes.io/actions.other']).toBe('{"keep":"me"}');
    expect(a.unrelated).toBe('yes');
  });

  it('rewrites a semantically equal but indented action value to the compact form', () => {
    const input = albIngress([v1Path('stable-svc')], { [ACTION]: JSON.stringify(JSON.parse(W10), null, 2) });
    expect(annotationsOf(desired(input, rollout({ status: midRollout(10) })).ingress)[ACTION]).toBe(W10);
  });

  it('argo alb.go vector alb-14: a sticky block on the Ingress is dropped when the Rollout has no stickiness', () => {
    const sticky = W10.replace(
      ']}}',
      '],"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":300}}}',
    );
    const input = albIngress([v1Path('stable-svc')], { [ACTION]: sticky });
    expect(annotationsOf(desired(input, rollout({ status: midRollout(10) })).ingress)[ACTION]).toBe(W10);
  });

  it('argo alb.go uses annotationPrefix for the action key, but never for the bookkeeping key', () => {
    const r = rollout({
      canary: {
        trafficRouting: { alb: { ingress: 'ingress', servicePort: 443, annotationPrefix: 'custom.io/' } },
      },
      status: midRollout(10),
    });
    const a = annotationsOf(desired(albIngress(), r).ingress);
    expect(a['custom.io//actions.stable-svc']).toBe(W10);
    expect(a[MANAGED]).toBe('{"rollout":["custom.io//actions.stable-svc"]}');
  });

  it('argo alb.go rootService names the action key and the rule check', () => {
    const r = rollout({
      canary: { trafficRouting: { alb: { ingress: 'ingress', servicePort: 443, rootService: 'root-svc' } } },
      status: midRollout(10),
    });
    const result = desired(albIngress([v1Path('root-svc')]), r);
    expect(annotationsOf(result.ingress)['alb.ingress.kubernetes.io/actions.root-svc']).toBe(W10);
    const missing = desired(albIngress([v1Path('stable-svc')]), r);
    expect(missing.errors[0]?.message).toMatch(
      /^ingress does not have service `root-svc` in rules\. .* point spec\.strategy\.canary\.trafficRouting\.alb\.rootService at/,
    );
  });

  it('argo alb.go fails with the controller message when no rule path has the action service (port not checked)', () => {
    const input = albIngress([v1Path('other-svc'), v1Path('stable-svc-2')]);
    const result = desired(input, rollout({ status: midRollout(10) }));
    expect(result.errors).toMatchObject([{ severity: 'error', rule: 'alb-action-service-not-in-rules' }]);
    expect(result.errors[0]?.message).toBe(
      'ingress does not have service `stable-svc` in rules. Add a rule path whose backend is Service ' +
        'stable-svc (port name use-annotation), or point spec.strategy.canary.stableService at a Service ' +
        'this Ingress routes to.',
    );
    expect(result.ingress).toEqual(input);
    const numeric = desired(
      albIngress([v1Path('stable-svc', '/', { number: 80 })]),
      rollout({ status: midRollout(10) }),
    );
    expect(numeric.errors).toEqual([]);
  });

  it('argo alb.go the rule check reads the legacy serviceName field', () => {
    const input = albIngress([
      { path: '/', backend: { serviceName: 'stable-svc', servicePort: 'use-annotation' } },
    ]);
    input.apiVersion = 'extensions/v1beta1';
    expect(desired(input, rollout({ status: midRollout(10) })).errors).toEqual([]);
  });

  it('argo alb.go a stickiness duration out of range is an error and nothing changes', () => {
    const r = albRollout(
      { stickinessConfig: { enabled: true, durationSeconds: 0 } },
      { status: midRollout(10) },
    );
    const input = albIngress();
    const result = desired(input, r);
    expect(result.errors[0]?.message).toBe(
      "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)! " +
        'Set stickinessConfig.durationSeconds to a number of seconds from 1 to 604800, or set ' +
        'stickinessConfig.enabled to false.',
    );
    expect(result.ingress).toEqual(input);
  });

  it('argo ingress.go an unreadable managed value is an error Finding and nothing is lost', () => {
    const input = albIngress([v1Path('stable-svc')], { [MANAGED]: 'test', other: 'x' });
    const result = desired(input, rollout({ status: midRollout(10) }));
    expect(result.errors).toMatchObject([
      {
        severity: 'error',
        rule: 'alb-managed-annotations-malformed',
        field: `metadata.annotations["${MANAGED}"]`,
      },
    ]);
    expect(result.ingress).toEqual(input);
  });

  it('argo alb.go legacy managed-alb-actions is read when the new key is absent, left untouched, not migrated', () => {
    const legacy =
      'rollout:alb.ingress.kubernetes.io/actions.stable-svc,other:alb.ingress.kubernetes.io/actions.o';
    const input = albIngress([v1Path('stable-svc')], { [LEGACY]: legacy });
    const a = annotationsOf(desired(input, rollout({ status: midRollout(10) })).ingress);
    expect(a[LEGACY]).toBe(legacy);
    expect(a[MANAGED]).toBe('{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"]}');
  });

  it('argo ingress.go a malformed legacy value is reported (nothing changes)', () => {
    const input = albIngress([v1Path('stable-svc')], { [LEGACY]: 'no-colon' });
    const result = desired(input, rollout({ status: midRollout(10) }));
    expect(result.errors).toMatchObject([{ rule: 'alb-legacy-managed-actions-malformed' }]);
    expect(result.errors[0]?.message).toContain('incorrectly formatted managed actions annotation');
    expect(result.ingress).toEqual(input);
  });

  it('argo ingress.go a new key present wins over the legacy one', () => {
    const input = albIngress([v1Path('stable-svc')], { [LEGACY]: 'garbage', [MANAGED]: '{}' });
    expect(desired(input, rollout({ status: midRollout(10) })).errors).toEqual([]);
  });

  it('rejects metadata.annotations that is not a map of strings, and a Rollout without ALB', () => {
    const bad = albIngress();
    (bad.metadata as Loose).annotations = { a: 1 };
    const result = desired(bad, rollout({ status: midRollout(10) }));
    expect(result.errors).toMatchObject([{ rule: 'ingress-malformed' }]);
    const nginx = rollout({ canary: { trafficRouting: { nginx: { stableIngress: 'x' } } } });
    const state: TrafficState = trafficStateOf(rollout(), 'alb')!;
    expect(desiredAlbIngress(albIngress(), nginx, state).errors).toMatchObject([
      { rule: 'alb-not-configured' },
    ]);
  });
});

describe('desiredAlbIngress: header routes (argo alb.go)', () => {
  const twoRules = (paths: JsonObject[], apiVersion = 'networking.k8s.io/v1'): JsonObject => ({
    ...albIngress(paths),
    apiVersion,
    spec: {
      rules: [
        { host: 'a.example.com', http: { paths: structuredClone(paths) } },
        { host: 'b.example.com', http: { paths: structuredClone(paths) } },
        { host: 'no-http.example.com' },
      ],
    },
  });

  it('argo alb.go an active route gets action and conditions keys, listed after the weight action', () => {
    const result = desired(albIngress(), headerRollout(1));
    const a = annotationsOf(result.ingress);
    expect(a['alb.ingress.kubernetes.io/actions.hdr-a']).toBe(HDR_ACTION);
    expect(a['alb.ingress.kubernetes.io/conditions.hdr-a']).toBe(
      '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-canary","values":["a"]}}]',
    );
    expect(a[MANAGED]).toBe(
      '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc","alb.ingress.kubernetes.io/actions.hdr-a","alb.ingress.kubernetes.io/conditions.hdr-a"]}',
    );
    expect(result.ownedKeys).toEqual([
      ACTION,
      MANAGED,
      'alb.ingress.kubernetes.io/actions.hdr-a',
      'alb.ingress.kubernetes.io/conditions.hdr-a',
    ]);
    // hdr-b's step is not reached yet: the controller has not touched its keys, nor does the webhook.
  });

  it('argo alb.go inserts the networking/v1 /* use-annotation path at index 0 of every rule with paths', () => {
    const result = desired(twoRules([v1Path('stable-svc')]), headerRollout(1));
    const rules = (result.ingress.spec as { rules: JsonObject[] }).rules;
    const inserted = {
      path: '/*',
      pathType: 'ImplementationSpecific',
      backend: { service: { name: 'hdr-a', port: { name: 'use-annotation' } } },
    };
    expect(JSON.stringify((rules[0]!.http as { paths: unknown[] }).paths[0])).toBe(JSON.stringify(inserted));
    expect((rules[1]!.http as { paths: unknown[] }).paths).toEqual([inserted, v1Path('stable-svc')]);
    expect(rules[2]).toEqual({ host: 'no-http.example.com' });
  });

  it('argo alb.go inserts the extensions/v1beta1 shape on legacy Ingresses', () => {
    const legacyPath = { path: '/', backend: { serviceName: 'stable-svc', servicePort: 'use-annotation' } };
    const result = desired(twoRules([legacyPath], 'extensions/v1beta1'), headerRollout(1));
    const paths = ((result.ingress.spec as { rules: JsonObject[] }).rules[0]!.http as { paths: unknown[] })
      .paths;
    expect(JSON.stringify(paths[0])).toBe(
      '{"path":"/*","pathType":"ImplementationSpecific","backend":{"serviceName":"hdr-a","servicePort":"use-annotation"}}',
    );
    const noVersion = twoRules([legacyPath]);
    delete noVersion.apiVersion;
    const inferred = desired(noVersion, headerRollout(1));
    expect(
      JSON.stringify(
        (inferred.ingress.spec as { rules: { http: { paths: unknown[] } }[] }).rules[0]!.http.paths[0],
      ),
    ).toContain('"serviceName":"hdr-a"');
  });

  it('argo alb.go no insertion when some rule already has a path for the route', () => {
    const input = twoRules([v1Path('stable-svc')]);
    (input.spec as { rules: { http: { paths: JsonObject[] } }[] }).rules[1]!.http.paths.push(
      v1Path('hdr-a', '/x'),
    );
    const result = desired(input, headerRollout(1));
    expect(pathsOf(result.ingress, 0)).toEqual(['stable-svc']);
    expect(pathsOf(result.ingress, 1)).toEqual(['hdr-a', 'stable-svc']);
  });

  it('argo alb.go sorting, vector ing-13 style: managed-route paths first in managedRoutes order, others keep their order', () => {
    const input = albIngress([
      v1Path('stable-svc', '/'),
      v1Path('hdr-b', '/b'),
      v1Path('other', '/o'),
      v1Path('hdr-a', '/a'),
      v1Path('zzz', '/z'),
    ]);
    const result = desired(input, headerRollout(2));
    expect(pathsOf(result.ingress)).toEqual(['hdr-a', 'hdr-b', 'stable-svc', 'other', 'zzz']);
  });

  it('argo alb.go both routes active: inserted in turn, then sorted by managedRoutes rank', () => {
    const result = desired(albIngress([v1Path('stable-svc')]), headerRollout(3));
    expect(pathsOf(result.ingress)).toEqual(['hdr-a', 'hdr-b', 'stable-svc']);
  });

  it('argo alb.go a null-match step removes keys, managed entries and the route’s paths', () => {
    const before = desired(albIngress([v1Path('stable-svc')]), headerRollout(3)).ingress;
    const result = desired(before, headerRollout(4));
    const a = annotationsOf(result.ingress);
    expect(a['alb.ingress.kubernetes.io/actions.hdr-a']).toBeUndefined();
    expect(a['alb.ingress.kubernetes.io/conditions.hdr-a']).toBeUndefined();
    expect(a['alb.ingress.kubernetes.io/actions.hdr-b']).toBe(HDR_ACTION);
    expect(a[MANAGED]).toBe(
      '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc","alb.ingress.kubernetes.io/actions.hdr-b","alb.ingress.kubernetes.io/conditions.hdr-b"]}',
    );
    expect(pathsOf(result.ingress)).toEqual(['hdr-b', 'stable-svc']);
  });

  it('argo alb.go removal takes every path of the route (the fixed point of first-path-per-call removal)', () => {
    const input = albIngress([v1Path('hdr-a', '/1'), v1Path('stable-svc'), v1Path('hdr-a', '/2')]);
    // hdr-b is active at step 4, so it gets its own /* path in front.
    expect(pathsOf(desired(input, headerRollout(4)).ingress)).toEqual(['hdr-b', 'stable-svc']);
  });

  it('argo alb.go promoted: RemoveManagedRoutes removes every managed route, without re-sorting', () => {
    const input = albIngress([v1Path('other'), v1Path('hdr-b'), v1Path('stable-svc'), v1Path('hdr-a')], {
      [MANAGED]:
        '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc","alb.ingress.kubernetes.io/actions.hdr-a","alb.ingress.kubernetes.io/conditions.hdr-a"]}',
      'alb.ingress.kubernetes.io/actions.hdr-a': HDR_ACTION,
      'alb.ingress.kubernetes.io/conditions.hdr-a': '[]',
    });
    const zzz = v1Path('zzz');
    (input.spec as { rules: { http: { paths: JsonObject[] } }[] }).rules[0]!.http.paths.unshift(zzz);
    const result = desired(input, headerRollout(3, { currentPodHash: 'stable-hash' }));
    expect(pathsOf(result.ingress)).toEqual(['zzz', 'other', 'stable-svc']);
    const a = annotationsOf(result.ingress);
    expect(Object.keys(a).filter((k) => k.includes('hdr-'))).toEqual([]);
    expect(a[MANAGED]).toBe('{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"]}');
    expect(a[ACTION]).toContain('"ServiceName":"canary-svc","ServicePort":"443","Weight":0}');
  });

  it('argo alb.go a sticky Rollout with an out-of-range duration fails for header routes too', () => {
    const r = headerRollout(1, {}, { stickinessConfig: { enabled: true, durationSeconds: 999999 } });
    const result = desired(albIngress(), r);
    expect(result.errors).toHaveLength(1);
    expect(result.ingress).toEqual(albIngress());
  });

  it('rules and paths of the wrong type are skipped, not crashed on', () => {
    const input = albIngress();
    (input.spec as { rules: unknown[] }).rules.push(
      'junk',
      { http: { paths: 'nope' } },
      { http: { paths: [3, null] } },
    );
    const result = desired(input, headerRollout(1));
    expect(result.errors).toEqual([]);
    const rules = (result.ingress.spec as { rules: unknown[] }).rules;
    expect(rules[1]).toBe('junk');
    expect(rules[2]).toEqual({ http: { paths: 'nope' } });
    expect((rules[3] as { http: { paths: unknown[] } }).http.paths.slice(1)).toEqual([3, null]);
  });
});

describe('desiredAlbIngress is idempotent', () => {
  const cases: [string, JsonObject, Rollout][] = [
    ['weight only', albIngress(), rollout({ status: midRollout(10) })],
    ['route active', albIngress([v1Path('stable-svc'), v1Path('other')]), headerRollout(3)],
    ['route removed', albIngress([v1Path('hdr-a'), v1Path('stable-svc'), v1Path('hdr-a')]), headerRollout(4)],
    [
      'promoted',
      albIngress([v1Path('hdr-b'), v1Path('stable-svc')]),
      headerRollout(3, { currentPodHash: 'stable-hash' }),
    ],
    [
      'malformed bookkeeping',
      albIngress([v1Path('stable-svc')], { [MANAGED]: '{' }),
      rollout({ status: midRollout(10) }),
    ],
  ];
  it.each(cases)('applying twice equals applying once: %s', (_name, ingress, r) => {
    const once = desired(ingress, r);
    const twice = desired(once.ingress, r);
    expect(JSON.stringify(twice.ingress)).toBe(JSON.stringify(once.ingress));
    expect(twice.errors).toEqual(once.errors);
  });
});
