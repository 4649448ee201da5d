import { describe, expect, it } from 'vitest';
import { CLUSTER_SCOPE, ChangeJournal, MAX_RECORDED_SCOPES } from '../../src/cluster/change-journal.js';
import type { ResourceKind } from '../../src/cluster/cluster-state.js';
import { project } from '../../src/cluster/project.js';
import { ClusterStore, type Projections } from '../../src/cluster/store.js';
import type { JsonObject } from '../../src/routing/model.js';
import { wireIngress, wireIngressClass, wireRollout, wireService } from './wire.js';

function projected<K extends ResourceKind>(kind: K, obj: unknown): Projections[K] {
  const result = project(kind, obj);
  if (!('value' in result)) throw new Error(result.problem);
  return result.value;
}

const scopes = (journal: ChangeJournal): string[] => {
  const taken = journal.take();
  return taken.everything ? ['everything'] : [...taken.scopes].sort();
};

/** A Rollout whose Gateway API plugin configuration names an HTTPRoute, optionally in another namespace. */
function gatewayRollout(namespace: string, name: string, route: string, routeNamespace?: string): JsonObject {
  const config: JsonObject = { httpRoute: route, ...(routeNamespace ? { namespace: routeNamespace } : {}) };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace, resourceVersion: '1' },
    spec: {
      strategy: {
        canary: {
          stableService: 'stable',
          canaryService: 'canary',
          trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': config } },
        },
      },
    },
  };
}

describe('ChangeJournal', () => {
  it('gives the scopes recorded since the last take, once each, and forgets them', () => {
    const journal = new ChangeJournal();
    journal.record('shop');
    journal.record('shop');
    journal.record(CLUSTER_SCOPE);
    expect(scopes(journal)).toEqual(['*', 'shop']);
    expect(scopes(journal)).toEqual([]);
  });

  it('says everything changed once more distinct scopes than it keeps were recorded, and starts again', () => {
    const journal = new ChangeJournal();
    for (let i = 0; i < MAX_RECORDED_SCOPES; i++) journal.record(`ns-${i}`);
    const full = journal.take();
    expect(full.everything ? -1 : full.scopes.size).toBe(MAX_RECORDED_SCOPES);
    for (let i = 0; i <= MAX_RECORDED_SCOPES; i++) journal.record(`ns-${i}`);
    journal.record('one-more-after-overflowing');
    expect(scopes(journal)).toEqual(['everything']);
    journal.record('shop');
    expect(scopes(journal)).toEqual(['shop']);
  });
});

describe('ClusterStore change tracking', () => {
  it('records nothing before trackChanges, then the namespace of every write and removal', () => {
    const store = new ClusterStore();
    store.upsert('services', projected('services', wireService('early', 'web')));
    const journal = store.trackChanges();
    expect(store.trackChanges()).toBe(journal);
    expect(scopes(journal)).toEqual([]);
    store.upsert('services', projected('services', wireService('shop', 'web')));
    store.upsert('ingresses', projected('ingresses', wireIngress('blog', 'web')));
    expect(store.remove('services', 'early', 'web')).toBe(true);
    // Removing what is not there changes nothing.
    expect(store.remove('services', 'absent', 'web')).toBe(false);
    expect(scopes(journal)).toEqual(['blog', 'early', 'shop']);
  });

  it('records an IngressClass as the cluster scope', () => {
    const store = new ClusterStore();
    const journal = store.trackChanges();
    store.upsert(
      'ingressclasses',
      projected('ingressclasses', wireIngressClass('alb', 'ingress.k8s.aws/alb')),
    );
    expect(scopes(journal)).toEqual([CLUSTER_SCOPE]);
    store.remove('ingressclasses', '', 'alb');
    expect(scopes(journal)).toEqual([CLUSTER_SCOPE]);
  });

  it('records the index keys a Rollout is filed under, before and after it changes', () => {
    const store = new ClusterStore();
    const journal = store.trackChanges();
    store.upsert('rollouts', projected('rollouts', gatewayRollout('apps', 'store', 'store', 'routes')));
    expect(scopes(journal)).toEqual(['HTTPRoute:routes/store', 'apps']);
    // Moved to another route: both keys' referencing Rollouts changed.
    store.upsert('rollouts', projected('rollouts', gatewayRollout('apps', 'store', 'front')));
    expect(scopes(journal)).toEqual(['HTTPRoute:apps/front', 'HTTPRoute:routes/store', 'apps']);
    store.remove('rollouts', 'apps', 'store');
    expect(scopes(journal)).toEqual(['HTTPRoute:apps/front', 'apps']);
    store.upsert('rollouts', projected('rollouts', wireRollout('apps', 'web', { albIngress: 'web' })));
    expect(scopes(journal)).toEqual(['apps', 'apps/web']);
  });
});
