/**
 * IngressObject: reads of annotations, rules, paths and backends on any JSON, and the edits the
 * renderers and the drift guard make, with expected objects written out by hand.
 */
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../../../src/routing/model.js';
import { IngressObject } from '../../../src/routing/wire/index.js';
import { expectLinear, measureScaling, scalingTest } from '../../support/scaling.js';

const v1Path = (service: string, path = '/') => ({
  path,
  pathType: 'Prefix',
  backend: { service: { name: service, port: { number: 80 } } },
});
const legacyPath = (service: string, path = '/') => ({
  path,
  backend: { serviceName: service, servicePort: 80 },
});
const useAnnotation = (service: string) => ({
  path: '/*',
  pathType: 'ImplementationSpecific',
  backend: { service: { name: service, port: { name: 'use-annotation' } } },
});
const legacyUseAnnotation = (service: string) => ({
  path: '/*',
  pathType: 'ImplementationSpecific',
  backend: { serviceName: service, servicePort: 'use-annotation' },
});

function ingress(paths: Json[][], annotations?: Json, apiVersion = 'networking.k8s.io/v1'): JsonObject {
  return {
    apiVersion,
    kind: 'Ingress',
    metadata: {
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web' },
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: {
      ingressClassName: 'alb',
      tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
      rules: paths.map((p, i) => ({ host: `h${i}.example.com`, http: { paths: p } })),
    },
  };
}

/** Backend service names of each rule's paths, in order. */
function backendsByRule(obj: IngressObject): (string | undefined)[][] {
  return obj.rules().map((rule) =>
    (((rule as JsonObject).http as JsonObject).paths as JsonObject[]).map((p) => {
      const backend = p.backend as JsonObject;
      return ((backend.service as JsonObject | undefined)?.name ?? backend.serviceName) as string | undefined;
    }),
  );
}

describe('IngressObject reads', () => {
  it('reads name, apiVersion, class and TLS as written', () => {
    const view = IngressObject.of(ingress([[v1Path('stable')]]));
    expect(view.name).toBe('web');
    expect(view.apiVersion).toBe('networking.k8s.io/v1');
    expect(view.ingressClassName).toBe('alb');
    expect(view.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'shop-tls' }]);
  });

  it('reads fields of the wrong type, and a missing object, as absent', () => {
    const odd = IngressObject.of({
      apiVersion: 5,
      metadata: { name: ['web'] },
      spec: { ingressClassName: 1, tls: null, rules: {} },
    });
    expect([odd.name, odd.apiVersion, odd.ingressClassName, odd.tls]).toEqual([
      '',
      undefined,
      undefined,
      undefined,
    ]);
    expect(odd.rules()).toEqual([]);
    const none = IngressObject.of(undefined);
    expect([none.name, none.annotation('a'), none.rules()]).toEqual(['', undefined, []]);
    expect(none.stringAnnotations()).toEqual({});
    expect(IngressObject.of({ metadata: 'web', spec: [] }).name).toBe('');
  });

  it('reads one annotation only when it is an own string value', () => {
    const view = IngressObject.of(ingress([], { a: 'x', n: 5, o: {}, z: null }));
    expect(view.annotation('a')).toBe('x');
    expect(view.annotation('n')).toBeUndefined();
    expect(view.annotation('o')).toBeUndefined();
    expect(view.annotation('z')).toBeUndefined();
    expect(view.annotation('missing')).toBeUndefined();
    expect(view.annotation('toString')).toBeUndefined();
    expect(IngressObject.of(ingress([], ['a'])).annotation('0')).toBeUndefined();
    expect(IngressObject.of({ metadata: { annotations: 'a=b' } }).annotation('a')).toBeUndefined();
  });

  it('copies the string annotations into a fresh map, skipping other values', () => {
    const json = ingress([], { a: 'x', n: 5, o: {}, z: null, b: '' });
    const view = IngressObject.of(json);
    const map = view.stringAnnotations();
    expect(map).toEqual({ a: 'x', b: '' });
    map.a = 'changed';
    expect(view.annotation('a')).toBe('x');
    expect(IngressObject.of(ingress([], ['a'])).stringAnnotations()).toEqual({});
    expect(IngressObject.of({ metadata: {} }).stringAnnotations()).toEqual({});
  });

  it('keeps a __proto__ annotation as an ordinary key', () => {
    const annotations = JSON.parse('{"__proto__":"p","a":"x"}') as JsonObject;
    const view = IngressObject.of(ingress([], annotations));
    expect(view.annotation('__proto__')).toBe('p');
    expect(Object.keys(view.stringAnnotations())).toEqual(['__proto__', 'a']);
    expect(view.stringAnnotations()['__proto__']).toBe('p');
  });

  it('gives an editable annotation map only when every value is a string', () => {
    expect(IngressObject.of(ingress([], { a: 'x', b: 'y' })).editableAnnotations()).toEqual({
      a: 'x',
      b: 'y',
    });
    expect(IngressObject.of(ingress([])).editableAnnotations()).toEqual({});
    expect(IngressObject.of(ingress([], null)).editableAnnotations()).toEqual({});
    expect(IngressObject.of({ kind: 'Ingress' }).editableAnnotations()).toEqual({});
    expect(IngressObject.of({ metadata: null }).editableAnnotations()).toEqual({});
    expect(IngressObject.of(ingress([], { a: 'x', n: 5 })).editableAnnotations()).toBeUndefined();
    expect(IngressObject.of(ingress([], ['a'])).editableAnnotations()).toBeUndefined();
    expect(IngressObject.of(ingress([], 'a=b')).editableAnnotations()).toBeUndefined();
    expect(IngressObject.of({ metadata: 'web' }).editableAnnotations()).toBeUndefined();
    expect(IngressObject.of({ metadata: [] }).editableAnnotations()).toBeUndefined();
    const json = ingress([], { a: 'x' });
    const map = IngressObject.of(json).editableAnnotations()!;
    map.a = 'changed';
    expect((json.metadata as JsonObject).annotations).toEqual({ a: 'x' });
  });

  it('finds backends in either shape, and tells which shape new paths take', () => {
    const v1 = IngressObject.of(ingress([[v1Path('a')], [v1Path('b'), v1Path('c')]]));
    expect([v1.hasBackendService('c'), v1.hasBackendService('d')]).toEqual([true, false]);
    expect(v1.usesLegacyBackends()).toBe(false);
    const legacy = IngressObject.of(ingress([[legacyPath('a')]], undefined, 'extensions/v1beta1'));
    expect([legacy.hasBackendService('a'), legacy.usesLegacyBackends()]).toEqual([true, true]);
    // Without an apiVersion the object's own backends decide.
    const bare = (paths: Json[]) => ({ spec: { rules: [{ http: { paths } }] } });
    expect(IngressObject.of(bare([legacyPath('a')])).usesLegacyBackends()).toBe(true);
    expect(IngressObject.of(bare([v1Path('a')])).usesLegacyBackends()).toBe(false);
    expect(IngressObject.of({ ...bare([legacyPath('a')]), apiVersion: '' }).usesLegacyBackends()).toBe(true);
    expect(
      IngressObject.of({
        ...bare([legacyPath('a')]),
        apiVersion: 'networking.k8s.io/v1',
      }).usesLegacyBackends(),
    ).toBe(false);
    // Paths, backends and rules of the wrong type are skipped.
    const odd = IngressObject.of({
      spec: { rules: [null, 'r', { http: { paths: 'p' } }, { http: { paths: [1, { backend: [] }] } }] },
    });
    expect([odd.hasBackendService('a'), odd.usesLegacyBackends()]).toEqual([false, false]);
  });
});

describe('IngressObject edits', () => {
  it('copies only the containers the edits change, and leaves the input as it was', () => {
    const json = ingress([[v1Path('stable')]], { a: 'x' });
    const before = structuredClone(json);
    const copy = IngressObject.editableCopy(json);
    const meta = copy.json.metadata as JsonObject;
    expect(meta).not.toBe(json.metadata);
    expect(meta.annotations).not.toBe((json.metadata as JsonObject).annotations);
    expect(meta.labels).toBe((json.metadata as JsonObject).labels);
    expect((copy.json.spec as JsonObject).tls).toBe((json.spec as JsonObject).tls);
    copy.setAnnotation('a', 'y');
    copy.addUseAnnotationPaths(['route']);
    copy.removePathsTo(new Set(['stable']));
    expect(json).toEqual(before);
    expect(copy.json).toEqual({
      ...before,
      metadata: { ...(before.metadata as JsonObject), annotations: { a: 'y' } },
      spec: {
        ...(before.spec as JsonObject),
        rules: [{ host: 'h0.example.com', http: { paths: [useAnnotation('route')] } }],
      },
    });
  });

  it('sets and removes one annotation, creating the maps it needs', () => {
    const copy = IngressObject.editableCopy({ kind: 'Ingress' });
    copy.setAnnotation('k', 'v');
    expect(copy.json).toEqual({ kind: 'Ingress', metadata: { annotations: { k: 'v' } } });
    copy.setAnnotation('k', undefined);
    expect(copy.json).toEqual({ kind: 'Ingress', metadata: { annotations: {} } });
    expect(Object.keys((copy.json.metadata as JsonObject).annotations as JsonObject)).toEqual([]);
    const listed = IngressObject.editableCopy({ metadata: { name: 'web', annotations: ['x'] } });
    listed.setAnnotation('k', 'v');
    expect(listed.json).toEqual({ metadata: { name: 'web', annotations: { k: 'v' } } });
    const proto = IngressObject.editableCopy({ metadata: { annotations: {} } });
    proto.setAnnotation('__proto__', 'v');
    expect(Object.keys((proto.json.metadata as JsonObject).annotations as JsonObject)).toEqual(['__proto__']);
    expect(proto.annotation('__proto__')).toBe('v');
  });

  it('replaces the annotation map whole', () => {
    const copy = IngressObject.editableCopy({ metadata: { name: 'web', annotations: { old: 'x' } } });
    copy.replaceAnnotations({ new: 'y' });
    expect(copy.json).toEqual({ metadata: { name: 'web', annotations: { new: 'y' } } });
    const bare = IngressObject.editableCopy({ metadata: 'web' });
    bare.replaceAnnotations({ k: 'v' });
    expect(bare.json).toEqual({ metadata: { annotations: { k: 'v' } } });
  });

  it('puts each missing route in front of every rule that has paths, in the shape the object uses', () => {
    const copy = IngressObject.editableCopy(
      ingress([[v1Path('stable')], [], [v1Path('other'), v1Path('stable', '/b')]]),
    );
    copy.addUseAnnotationPaths(['r1', 'stable', 'r2', 'r1']);
    expect(backendsByRule(copy)).toEqual([['r2', 'r1', 'stable'], [], ['r2', 'r1', 'other', 'stable']]);
    expect((copy.rules()[0] as JsonObject).http).toEqual({
      paths: [useAnnotation('r2'), useAnnotation('r1'), v1Path('stable')],
    });
    const legacy = IngressObject.editableCopy(
      ingress([[legacyPath('stable')]], undefined, 'extensions/v1beta1'),
    );
    legacy.addUseAnnotationPaths(['r1']);
    expect((legacy.rules()[0] as JsonObject).http).toEqual({
      paths: [legacyUseAnnotation('r1'), legacyPath('stable')],
    });
    // A rule without http is left alone (the controller would crash on it).
    const noHttp = IngressObject.editableCopy({ spec: { rules: [{ host: 'a' }] } });
    noHttp.addUseAnnotationPaths(['r1']);
    expect(noHttp.json).toEqual({ spec: { rules: [{ host: 'a' }] } });
  });

  it('decides the same with more routes than it scans for (a set of the backends instead)', () => {
    const many = ['r1', 'stable', 'r2', 'r1', 'r3', 'r4', 'r5', 'r6', 'r7'];
    const copy = IngressObject.editableCopy(ingress([[v1Path('stable')], [v1Path('r5'), v1Path('other')]]));
    copy.addUseAnnotationPaths(many);
    expect(backendsByRule(copy)).toEqual([
      ['r7', 'r6', 'r4', 'r3', 'r2', 'r1', 'stable'],
      ['r7', 'r6', 'r4', 'r3', 'r2', 'r1', 'r5', 'other'],
    ]);
  });

  it('removes every path to the given services, keeping paths without a backend name', () => {
    const copy = IngressObject.editableCopy(
      ingress([[v1Path('r1'), { path: '/x' }, v1Path('stable'), v1Path('r1', '/y'), legacyPath('r2')]]),
    );
    copy.removePathsTo(new Set(['r1', 'r2']));
    expect((copy.rules()[0] as JsonObject).http).toEqual({ paths: [{ path: '/x' }, v1Path('stable')] });
  });

  it('removes and sorts paths around rules without http or paths, leaving those rules alone', () => {
    const rules = (): Json[] => [
      { host: 'a' },
      { host: 'b', http: {} },
      { host: 'c', http: { paths: 'x' } },
      { host: 'd', http: { paths: [v1Path('s'), v1Path('r1'), v1Path('r2')] } },
    ];
    const removed = IngressObject.editableCopy({ spec: { rules: rules() } });
    removed.removePathsTo(new Set(['r1']));
    expect(removed.rules()).toEqual([
      ...rules().slice(0, 3),
      { host: 'd', http: { paths: [v1Path('s'), v1Path('r2')] } },
    ]);
    const sorted = IngressObject.editableCopy({ spec: { rules: rules() } });
    sorted.sortPathsByRoute(['r2', 'r1']);
    expect(sorted.rules()).toEqual([
      ...rules().slice(0, 3),
      { host: 'd', http: { paths: [v1Path('r2'), v1Path('r1'), v1Path('s')] } },
    ]);
  });

  it('stable-sorts paths by route rank, other backends last in written order', () => {
    const copy = IngressObject.editableCopy(
      ingress([
        [v1Path('x', '/1'), v1Path('b'), v1Path('y'), v1Path('a'), v1Path('x', '/2'), { path: '/n' }],
      ]),
    );
    copy.sortPathsByRoute(['a', 'b']);
    expect(((copy.rules()[0] as JsonObject).http as JsonObject).paths).toEqual([
      v1Path('a'),
      v1Path('b'),
      v1Path('x', '/1'),
      v1Path('y'),
      v1Path('x', '/2'),
      { path: '/n' },
    ]);
  });

  it('ranks a repeated route by its last index, other backends at the count of distinct names (argo wrapper.go SortHttpPaths)', () => {
    // routeWeight = {a: 2, b: 1}; other backends weigh len(routeWeight) = 2, level with a.
    const copy = IngressObject.editableCopy(
      ingress([
        [v1Path('x', '/1'), v1Path('b'), v1Path('y'), v1Path('a'), v1Path('x', '/2'), { path: '/n' }],
      ]),
    );
    copy.sortPathsByRoute(['a', 'b', 'a']);
    expect(((copy.rules()[0] as JsonObject).http as JsonObject).paths).toEqual([
      v1Path('b'),
      v1Path('x', '/1'),
      v1Path('y'),
      v1Path('a'),
      v1Path('x', '/2'),
      { path: '/n' },
    ]);
    // Ten routes, nine names: a weighs 9, b..i 1..8, other backends 9.
    const many = IngressObject.editableCopy(
      ingress([[v1Path('x', '/1'), v1Path('i'), v1Path('b'), v1Path('a'), v1Path('x', '/2'), v1Path('c')]]),
    );
    many.sortPathsByRoute(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'a']);
    expect(((many.rules()[0] as JsonObject).http as JsonObject).paths).toEqual([
      v1Path('b'),
      v1Path('c'),
      v1Path('i'),
      v1Path('x', '/1'),
      v1Path('a'),
      v1Path('x', '/2'),
    ]);
  });

  it('ranks a legacy path without serviceName as the name "" (Go\'s zero value)', () => {
    const noName = { path: '/n', backend: { servicePort: 80 } };
    const copy = IngressObject.editableCopy(
      ingress([[legacyPath('a'), noName]], undefined, 'extensions/v1beta1'),
    );
    copy.sortPathsByRoute(['', 'a']);
    expect(((copy.rules()[0] as JsonObject).http as JsonObject).paths).toEqual([noName, legacyPath('a')]);
  });

  it('ranks a backend name of the wrong type as absent, like a missing one', () => {
    const numbered = { path: '/n', backend: { service: { name: 5, port: { number: 80 } } } };
    const copy = IngressObject.editableCopy(ingress([[v1Path('a'), numbered]]));
    copy.sortPathsByRoute(['', 'a']);
    expect(((copy.rules()[0] as JsonObject).http as JsonObject).paths).toEqual([numbered, v1Path('a')]);
  });

  it('leaves paths already in order untouched', () => {
    const json = ingress([[v1Path('a'), v1Path('b'), { path: '/n' }]]);
    const copy = IngressObject.editableCopy(json);
    const paths = ((copy.rules()[0] as JsonObject).http as JsonObject).paths as JsonObject[];
    const before = [...paths];
    copy.sortPathsByRoute(['a', 'b']);
    expect(paths).toEqual(before);
    paths.forEach((p, i) => expect(p).toBe(before[i]));
  });

  it('copies the rules that route a Service with that backend renamed, leaving the source alone', () => {
    const json = ingress([[v1Path('stable'), v1Path('other')], [v1Path('other')], [legacyPath('stable')]]);
    const before = structuredClone(json);
    const rules = IngressObject.of(json).rulesWithBackendRenamed('stable', 'canary');
    expect(rules).toEqual([
      { host: 'h0.example.com', http: { paths: [v1Path('canary'), v1Path('other')] } },
      { host: 'h2.example.com', http: { paths: [legacyPath('canary')] } },
    ]);
    expect(json).toEqual(before);
  });

  it('renames the legacy serviceName of a path whose v1 service has no name', () => {
    const mixed = { path: '/', backend: { service: { port: { number: 80 } }, serviceName: 'stable' } };
    const json: JsonObject = { spec: { rules: [{ http: { paths: [mixed] } }] } };
    expect(IngressObject.of(json).rulesWithBackendRenamed('stable', 'canary')).toEqual([
      {
        http: {
          paths: [{ path: '/', backend: { service: { port: { number: 80 } }, serviceName: 'canary' } }],
        },
      },
    ]);
  });
});

describe('IngressObject scaling', () => {
  const manyAnnotations = (n: number) =>
    ingress([], Object.fromEntries(Array.from({ length: n }, (_, i) => [`example.com/k${i}`, `v${i}`])));
  const manyPaths = (n: number) =>
    ingress([Array.from({ length: n }, (_, i) => v1Path(`svc-${i % 50}`, `/p${i}`))]);
  const routes = (n: number) => Array.from({ length: n }, (_, i) => `route-${i}`);

  scalingTest('reads n annotations in time linear in n', () => {
    expectLinear(
      measureScaling(manyAnnotations, (json) => IngressObject.of(json).stringAnnotations(), 5_000),
      'stringAnnotations of n annotations',
    );
    expectLinear(
      measureScaling(manyAnnotations, (json) => IngressObject.of(json).editableAnnotations(), 5_000),
      'editableAnnotations of n annotations',
    );
  });

  scalingTest('reads and copies n paths in time linear in n', () => {
    expectLinear(
      measureScaling(manyPaths, (json) => IngressObject.of(json).hasBackendService('absent'), 5_000),
      'hasBackendService over n paths',
    );
    expectLinear(
      measureScaling(
        manyPaths,
        (json) => IngressObject.of(json).rulesWithBackendRenamed('svc-1', 'c'),
        2_000,
      ),
      'rulesWithBackendRenamed over n paths',
    );
    // The copy of the paths list is one array spread: at 8 × 5,000 paths its backing store
    // (over 128 KiB) goes to V8's large-object space, which costs a page mapping per copy and
    // read as 44× the time of 5,000. At 2,000 both sizes stay in the young generation.
    expectLinear(
      measureScaling(manyPaths, (json) => IngressObject.editableCopy(json), 2_000),
      'editableCopy over n paths',
    );
  });

  scalingTest('edits n paths for n routes in time linear in n', () => {
    const input = (n: number) => ({ json: manyPaths(n), routes: routes(n) });
    expectLinear(
      measureScaling(
        input,
        ({ json, routes }) => IngressObject.editableCopy(json).addUseAnnotationPaths(routes),
        1_000,
      ),
      'addUseAnnotationPaths of n routes into n paths',
    );
    expectLinear(
      measureScaling(
        input,
        ({ json, routes }) => IngressObject.editableCopy(json).removePathsTo(new Set([...routes, 'svc-1'])),
        1_000,
      ),
      'removePathsTo of n services over n paths',
    );
    expectLinear(
      measureScaling(
        input,
        ({ json, routes }) =>
          IngressObject.editableCopy(json).sortPathsByRoute([...routes, 'svc-3', 'svc-2']),
        1_000,
      ),
      'sortPathsByRoute of n paths by n routes',
    );
  });
});
