import { describe, expect, it } from 'vitest';
import type { Rollout } from '../../src/routing/model.js';
import { ClusterStore, ingressesReferencedBy } from '../../src/cluster/store.js';
import { project } from '../../src/cluster/project.js';
import type { Projections } from '../../src/cluster/store.js';
import type { ResourceKind } from '../../src/cluster/cluster-state.js';
import { wireIngress, wireIngressClass, wireRollout, wireService } from './wire.js';
import type { RolloutRefs } from './wire.js';

function projected<K extends ResourceKind>(kind: K, obj: unknown): Projections[K] {
  const result = project(kind, obj);
  if (!('value' in result)) throw new Error(result.problem);
  return result.value;
}

const rollout = (ns: string, name: string, refs: RolloutRefs): Rollout =>
  projected('rollouts', wireRollout(ns, name, refs));

const names = (rollouts: readonly Rollout[]): string[] => rollouts.map((r) => `${r.namespace}/${r.name}`);

describe('ingressesReferencedBy', () => {
  it('collects ALB ingress/ingresses and NGINX stableIngress/stableIngresses, deduplicated', () => {
    const r = rollout('ns', 'r', {
      albIngress: 'a',
      albIngresses: ['b', 'a', ''],
      nginxStable: 'c',
      nginxStables: ['c', 'd'],
    });
    expect(ingressesReferencedBy(r).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('is empty without traffic routing or a canary strategy', () => {
    expect(ingressesReferencedBy(rollout('ns', 'r', {}))).toEqual([]);
    const blueGreen = projected('rollouts', {
      metadata: { name: 'bg', namespace: 'ns' },
      spec: { strategy: { blueGreen: {} } },
    });
    expect(ingressesReferencedBy(blueGreen)).toEqual([]);
  });
});

describe('ClusterStore', () => {
  it('adds and looks up every kind by namespace and name', () => {
    const store = new ClusterStore();
    store.upsert(
      'ingresses',
      projected('ingresses', wireIngress('shop', 'web', '1', { 'kubernetes.io/ingress.class': 'alb' })),
    );
    store.upsert('services', projected('services', wireService('shop', 'web-stable')));
    store.upsert('rollouts', rollout('shop', 'web', { albIngress: 'web' }));
    store.upsert(
      'ingressclasses',
      projected('ingressclasses', wireIngressClass('alb', 'ingress.k8s.aws/alb')),
    );

    // The cache keeps only the annotations other objects' checks read: the class.
    expect({ ...store.getIngress('shop', 'web')?.annotations }).toEqual({
      'kubernetes.io/ingress.class': 'alb',
    });
    expect(store.getIngress('shop', 'web')?.backends.map((b) => b.serviceName)).toEqual(['web-root']);
    expect(store.getService('shop', 'web-stable')?.ports).toEqual([{ name: 'http', port: 80 }]);
    expect(store.getRollout('shop', 'web')?.canary?.stableService).toBe('web-stable');
    expect(store.ingressClasses()).toEqual([
      { name: 'alb', controller: 'ingress.k8s.aws/alb', isDefault: false },
    ]);
    expect(names(store.rolloutsReferencingIngress('shop', 'web'))).toEqual(['shop/web']);
    // Same names in another namespace are other objects.
    expect(store.getIngress('other', 'web')).toBeUndefined();
    expect(store.rolloutsReferencingIngress('other', 'web')).toEqual([]);
  });

  it('keeps namespaces apart in the index', () => {
    const store = new ClusterStore();
    store.upsert('rollouts', rollout('a', 'r1', { albIngress: 'web' }));
    store.upsert('rollouts', rollout('b', 'r1', { albIngress: 'web' }));
    expect(names(store.rolloutsReferencingIngress('a', 'web'))).toEqual(['a/r1']);
    expect(names(store.rolloutsReferencingIngress('b', 'web'))).toEqual(['b/r1']);
    store.remove('rollouts', 'a', 'r1');
    expect(store.rolloutsReferencingIngress('a', 'web')).toEqual([]);
    expect(names(store.rolloutsReferencingIngress('b', 'web'))).toEqual(['b/r1']);
  });

  it('lists several Rollouts on one Ingress in name order, and one Rollout under several Ingresses', () => {
    const store = new ClusterStore();
    store.upsert('rollouts', rollout('ns', 'zeta', { albIngress: 'shared' }));
    store.upsert('rollouts', rollout('ns', 'alpha', { albIngresses: ['shared', 'extra'] }));
    store.upsert('rollouts', rollout('ns', 'nginx', { nginxStables: ['shared'] }));
    expect(names(store.rolloutsReferencingIngress('ns', 'shared'))).toEqual([
      'ns/alpha',
      'ns/nginx',
      'ns/zeta',
    ]);
    expect(names(store.rolloutsReferencingIngress('ns', 'extra'))).toEqual(['ns/alpha']);
  });

  it('answers from the current Rollouts after every change, though it remembers the last answer', () => {
    const store = new ClusterStore();
    const first = rollout('ns', 'r1', { albIngress: 'web' });
    store.upsert('rollouts', first);
    expect(store.rolloutsReferencingIngress('ns', 'web')[0]).toBe(first);
    // A new Rollout on the same Ingress.
    store.upsert('rollouts', rollout('ns', 'r0', { albIngress: 'web' }));
    expect(names(store.rolloutsReferencingIngress('ns', 'web'))).toEqual(['ns/r0', 'ns/r1']);
    // An update replaces the object that is returned.
    const updated = rollout('ns', 'r1', { albIngress: 'web' });
    store.upsert('rollouts', updated);
    expect(store.rolloutsReferencingIngress('ns', 'web')[1]).toBe(updated);
    // A Rollout that moves to another Ingress leaves the first one.
    store.upsert('rollouts', rollout('ns', 'r1', { albIngress: 'api' }));
    expect(names(store.rolloutsReferencingIngress('ns', 'web'))).toEqual(['ns/r0']);
    expect(names(store.rolloutsReferencingIngress('ns', 'api'))).toEqual(['ns/r1']);
    store.remove('rollouts', 'ns', 'r0');
    expect(store.rolloutsReferencingIngress('ns', 'web')).toEqual([]);
    // A relist that drops a Rollout does too.
    store.replace('rollouts', 'ns', []);
    expect(store.rolloutsReferencingIngress('ns', 'api')).toEqual([]);
  });

  it('moves a Rollout in the index when an update changes which Ingresses it references', () => {
    const store = new ClusterStore();
    store.upsert('rollouts', rollout('ns', 'r', { albIngresses: ['one', 'two'] }));
    store.upsert('rollouts', rollout('ns', 'r', { albIngresses: ['two', 'three'], weight: 40 }));
    expect(store.rolloutsReferencingIngress('ns', 'one')).toEqual([]);
    expect(names(store.rolloutsReferencingIngress('ns', 'two'))).toEqual(['ns/r']);
    expect(names(store.rolloutsReferencingIngress('ns', 'three'))).toEqual(['ns/r']);
    // The index hands out the current object, not the one it was filed with.
    expect(store.rolloutsReferencingIngress('ns', 'two')[0]?.status.weights?.canary.weight).toBe(40);
    // Dropping all references empties the index entirely (no leak of empty sets).
    store.upsert('rollouts', rollout('ns', 'r', {}));
    expect(store.rolloutsReferencingIngress('ns', 'two')).toEqual([]);
    expect(store.indexSize()).toEqual({ ingresses: 0, references: 0 });
  });

  it('removes objects and their index entries on delete; deleting twice is harmless', () => {
    const store = new ClusterStore();
    store.upsert('rollouts', rollout('ns', 'r', { albIngress: 'web', nginxStable: 'web2' }));
    store.upsert('services', projected('services', wireService('ns', 's')));
    expect(store.remove('rollouts', 'ns', 'r')).toBe(true);
    expect(store.remove('rollouts', 'ns', 'r')).toBe(false);
    expect(store.remove('services', 'ns', 's')).toBe(true);
    expect(store.getRollout('ns', 'r')).toBeUndefined();
    expect(store.rolloutsReferencingIngress('ns', 'web')).toEqual([]);
    expect(store.rolloutsReferencingIngress('ns', 'web2')).toEqual([]);
    expect(store.indexSize()).toEqual({ ingresses: 0, references: 0 });
  });

  it('replace() within one namespace removes what is gone there and leaves other namespaces alone', () => {
    const store = new ClusterStore();
    store.upsert('rollouts', rollout('a', 'keep', { albIngress: 'i1' }));
    store.upsert('rollouts', rollout('a', 'gone', { albIngress: 'i2' }));
    store.upsert('rollouts', rollout('b', 'other', { albIngress: 'i2' }));
    const result = store.replace('rollouts', 'a', [
      rollout('a', 'keep', { albIngress: 'i3' }),
      rollout('a', 'new', { albIngress: 'i1' }),
    ]);
    expect(result).toEqual({ added: 1, updated: 1, removed: 1 });
    expect(
      store
        .list('rollouts')
        .map((r) => `${r.namespace}/${r.name}`)
        .sort(),
    ).toEqual(['a/keep', 'a/new', 'b/other']);
    expect(names(store.rolloutsReferencingIngress('a', 'i1'))).toEqual(['a/new']);
    expect(store.rolloutsReferencingIngress('a', 'i2')).toEqual([]);
    expect(names(store.rolloutsReferencingIngress('a', 'i3'))).toEqual(['a/keep']);
    expect(names(store.rolloutsReferencingIngress('b', 'i2'))).toEqual(['b/other']);
  });

  it('replace() over all namespaces makes the store equal to the list, cluster-scoped kinds included', () => {
    const store = new ClusterStore();
    store.upsert('services', projected('services', wireService('a', 's1')));
    store.upsert('services', projected('services', wireService('b', 's2')));
    store.upsert('ingressclasses', projected('ingressclasses', wireIngressClass('old', 'x')));
    store.replace('services', undefined, [projected('services', wireService('c', 's3'))]);
    store.replace('ingressclasses', undefined, [
      projected('ingressclasses', wireIngressClass('nginx', 'k8s.io/ingress-nginx')),
    ]);
    expect(store.list('services').map((s) => `${s.namespace}/${s.name}`)).toEqual(['c/s3']);
    expect(store.ingressClasses().map((c) => c.name)).toEqual(['nginx']);
    expect(store.count('services')).toBe(1);
  });

  it('keeps the index consistent with a brute-force scan after a random sequence of changes', () => {
    const store = new ClusterStore();
    const ingresses = ['i0', 'i1', 'i2', 'i3'];
    const namespaces = ['n0', 'n1'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(items: T[]): T => items[next(items.length)] as T;
    for (let step = 0; step < 2000; step++) {
      const ns = pick(namespaces);
      const name = `r${next(6)}`;
      if (next(4) === 0) store.remove('rollouts', ns, name);
      else
        store.upsert(
          'rollouts',
          rollout(ns, name, {
            albIngresses: [pick(ingresses), pick(ingresses)],
            nginxStable: pick(ingresses),
          }),
        );
    }
    for (const ns of namespaces) {
      for (const ingress of ingresses) {
        const expected = store
          .list('rollouts')
          .filter((r) => r.namespace === ns && ingressesReferencedBy(r).includes(ingress))
          .map((r) => r.name)
          .sort();
        expect(store.rolloutsReferencingIngress(ns, ingress).map((r) => r.name)).toEqual(expected);
      }
    }
  });
});
