import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/cluster/backoff.js';
import { project, resourceOfManifest } from '../../src/cluster/project.js';
import { describeError } from '../../src/cluster/resource-stream.js';
import { collectionPath, RESOURCES } from '../../src/cluster/resources.js';

describe('resourceOfManifest', () => {
  it.each([
    ['argoproj.io/v1alpha1', 'Rollout', 'rollouts'],
    ['example.com/v1', 'Rollout', undefined],
    ['networking.k8s.io/v1', 'Ingress', 'ingresses'],
    ['extensions/v1beta1', 'Ingress', 'ingresses'],
    ['traefik.io/v1alpha1', 'Ingress', undefined],
    ['networking.k8s.io/v1', 'IngressClass', 'ingressclasses'],
    ['v1', 'Service', 'services'],
    ['serving.knative.dev/v1', 'Service', undefined],
    ['apps/v1', 'Deployment', undefined],
  ])('%s %s → %s', (apiVersion, kind, expected) => {
    expect(resourceOfManifest(apiVersion, kind)).toBe(expected);
  });
});

describe('project', () => {
  it('explains why an object is skipped', () => {
    expect(project('services', { metadata: {} })).toEqual({
      problem: 'Service skipped: metadata.name is required',
    });
    expect(project('ingresses', 'text')).toEqual({
      problem: 'Ingress skipped: an Ingress must be a JSON object',
    });
  });
});

describe('collectionPath', () => {
  it('builds core, group, namespaced and cluster-scoped paths', () => {
    expect(collectionPath(RESOURCES.services)).toBe('/api/v1/services');
    expect(collectionPath(RESOURCES.services, 'shop')).toBe('/api/v1/namespaces/shop/services');
    expect(collectionPath(RESOURCES.rollouts, 'a b')).toBe(
      '/apis/argoproj.io/v1alpha1/namespaces/a%20b/rollouts',
    );
    // Cluster-scoped: a namespace is ignored.
    expect(collectionPath(RESOURCES.ingressclasses, 'shop')).toBe(
      '/apis/networking.k8s.io/v1/ingressclasses',
    );
  });
});

describe('Backoff', () => {
  it('doubles up to the cap, draws from the upper half of each step, and resets', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 1);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
    expect(high.consecutiveFailures).toBe(5);
    high.reset();
    expect(high.next()).toBe(100);
  });

  it('does not overflow after very many failures', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 }, () => 0.5);
    for (let i = 0; i < 10_000; i++) backoff.next();
    expect(backoff.next()).toBe(22_500);
  });
});

describe('describeError', () => {
  it('adds the cause fetch hides behind "fetch failed"', () => {
    const err = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    expect(describeError(err)).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError('text')).toBe('text');
  });
});
