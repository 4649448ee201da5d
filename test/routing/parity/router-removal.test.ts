/**
 * A Rollout that stops routing through NGINX leaves its canary Ingress behind: the controller
 * never deletes it (argoproj/argo-rollouts issue 4751), so the change is warned about.
 */
import { describe, expect, it } from 'vitest';
import { routerRemovalFindings } from '../../../src/routing/rollout-validation/index.js';
import type { ClusterView, Ingress } from '../../../src/routing/model.js';
import { nginxCanary, rolloutOf } from '../rollout-validation/fixtures.js';

function clusterWith(ingresses: Ingress[]): ClusterView {
  return {
    getIngress: (ns, name) => ingresses.find((i) => i.namespace === ns && i.name === name),
    getService: () => undefined,
    getRollout: () => undefined,
    ingressClasses: () => [],
    rolloutsReferencingIngress: () => [],
    getRoute: () => undefined,
    rolloutsReferencingRoute: () => [],
  };
}

const canaryIngress = (annotations: Record<string, string>): Ingress => ({
  namespace: 'shop',
  name: 'web-web-canary',
  annotations,
  backends: [],
});

const withNginx = rolloutOf(nginxCanary());
const withoutRouting = rolloutOf({ stableService: 'web-stable', canaryService: 'web-canary', steps: [] });

describe('routerRemovalFindings', () => {
  it('warns when trafficRouting.nginx goes while the canary Ingress still carries weight', () => {
    const cluster = clusterWith([canaryIngress({ 'nginx.ingress.kubernetes.io/canary-weight': '20' })]);
    expect(routerRemovalFindings(withNginx, withoutRouting, cluster)).toEqual([
      {
        severity: 'warning',
        rule: 'nginx-canary-ingress-orphaned',
        field: 'spec.strategy.canary.trafficRouting',
        message:
          'Fix: delete Ingress web-web-canary (kubectl -n shop delete ingress web-web-canary). Argo Rollouts never deletes it once trafficRouting.nginx is removed, and ingress-nginx keeps sending 20% (its canary-weight) of requests to web-canary (argo-rollouts issue 4751).',
      },
    ]);
  });

  it('says the share is unknown when the cache has no weight (another annotation prefix)', () => {
    const [finding] = routerRemovalFindings(withNginx, withoutRouting, clusterWith([canaryIngress({})]));
    expect(finding?.message).toContain('keeps sending its last canary weight of requests to web-canary');
  });

  it('warns too when the Rollout moves to blueGreen (no canary strategy left)', () => {
    const blueGreen = { ...withoutRouting, canary: undefined };
    const cluster = clusterWith([canaryIngress({ 'nginx.ingress.kubernetes.io/canary-weight': '20' })]);
    expect(routerRemovalFindings(withNginx, blueGreen, cluster).map((f) => f.rule)).toEqual([
      'nginx-canary-ingress-orphaned',
    ]);
    // ...and is quiet about a Rollout that had no canary strategy before.
    expect(routerRemovalFindings(blueGreen, withoutRouting, cluster)).toEqual([]);
  });

  it('names "the canary Service" when the previous Rollout had none', () => {
    const noCanaryService = { ...withNginx, canary: { ...withNginx.canary!, canaryService: undefined } };
    const cluster = clusterWith([canaryIngress({ 'nginx.ingress.kubernetes.io/canary-weight': '20' })]);
    const [finding] = routerRemovalFindings(noCanaryService, withoutRouting, cluster);
    expect(finding?.message).toContain(
      'keeps sending 20% (its canary-weight) of requests to the canary Service (',
    );
  });

  it('is quiet when the canary Ingress carries weight "0", is gone, or NGINX still routes', () => {
    const zero = clusterWith([canaryIngress({ 'nginx.ingress.kubernetes.io/canary-weight': '0' })]);
    expect(routerRemovalFindings(withNginx, withoutRouting, zero)).toEqual([]);
    expect(routerRemovalFindings(withNginx, withoutRouting, clusterWith([]))).toEqual([]);
    const live = clusterWith([canaryIngress({ 'nginx.ingress.kubernetes.io/canary-weight': '20' })]);
    expect(routerRemovalFindings(withNginx, withNginx, live)).toEqual([]);
    expect(routerRemovalFindings(withoutRouting, withoutRouting, live)).toEqual([]);
  });
});
