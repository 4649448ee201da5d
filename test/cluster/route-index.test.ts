/** The store's reverse index from Gateway API routes to the Rollouts whose plugin configuration names them. */
import { describe, expect, it } from 'vitest';
import { ClusterStore } from '../../src/cluster/store.js';
import { parseRollout } from '../../src/routing/wire/index.js';
import type { JsonObject, Rollout } from '../../src/routing/model.js';
import { parsedValue } from '../routing/builders.js';

function rollout(name: string, plugin: JsonObject, namespace = 'shop'): Rollout {
  return parsedValue(
    parseRollout({
      metadata: { name, namespace },
      spec: {
        strategy: {
          canary: {
            stableService: 's',
            canaryService: 'c',
            trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': plugin } },
          },
        },
      },
    }),
  );
}

describe('ClusterStore: routes', () => {
  it('finds the Rollouts naming a route by kind, in the configured namespace', () => {
    const store = new ClusterStore();
    store.upsert('rollouts', rollout('a', { httpRoute: 'web', grpcRoutes: [{ name: 'api' }] }));
    store.upsert('rollouts', rollout('b', { httpRoutes: [{ name: 'web' }], namespace: 'edge' }));
    expect(store.rolloutsReferencingRoute('HTTPRoute', 'shop', 'web').map((r) => r.name)).toEqual(['a']);
    expect(store.rolloutsReferencingRoute('HTTPRoute', 'edge', 'web').map((r) => r.name)).toEqual(['b']);
    expect(store.rolloutsReferencingRoute('GRPCRoute', 'shop', 'api').map((r) => r.name)).toEqual(['a']);
    expect(store.rolloutsReferencingRoute('GRPCRoute', 'shop', 'web')).toEqual([]);
    // An Ingress of the same name is another key.
    expect(store.rolloutsReferencingIngress('shop', 'web')).toEqual([]);
  });

  it('follows updates and deletions', () => {
    const store = new ClusterStore();
    store.upsert('rollouts', rollout('a', { httpRoute: 'web' }));
    expect(store.rolloutsReferencingRoute('HTTPRoute', 'shop', 'web')).toHaveLength(1);
    store.upsert('rollouts', rollout('a', { httpRoute: 'other' }));
    expect(store.rolloutsReferencingRoute('HTTPRoute', 'shop', 'web')).toEqual([]);
    expect(store.rolloutsReferencingRoute('HTTPRoute', 'shop', 'other')).toHaveLength(1);
    store.remove('rollouts', 'shop', 'a');
    expect(store.rolloutsReferencingRoute('HTTPRoute', 'shop', 'other')).toEqual([]);
  });

  it('keeps route projections by kind', () => {
    const store = new ClusterStore();
    store.upsert('httproutes', { kind: 'HTTPRoute', namespace: 'shop', name: 'web', rules: [] });
    expect(store.getRoute('HTTPRoute', 'shop', 'web')?.kind).toBe('HTTPRoute');
    expect(store.getRoute('GRPCRoute', 'shop', 'web')).toBeUndefined();
  });
});
