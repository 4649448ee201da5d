/**
 * Which Rollout owns an NGINX canary Ingress: the controller's owner reference, compared by
 * UID when both sides have one (argoproj/argo-rollouts master 9f8d111,
 * rollout/trafficrouting/nginx/nginx.go, SetWeightPerIngress uses metav1.IsControlledBy), and
 * by name alone for objects read from manifest files, which have no UIDs.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject, Rollout } from '../../../src/routing/model.js';
import { nginxCanaryOwner, nginxTrafficProvider } from '../../../src/routing/nginx/index.js';
import { midRollout, rollout, type Loose } from '../builders.js';

const web = rollout({ name: 'web', canary: { trafficRouting: { nginx: { stableIngress: 'web-ingress' } } } });
const lookup = (name: string): Rollout | undefined => (name === 'web' ? web : undefined);

function canaryIngress(owner: Loose): JsonObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'web-web-ingress-canary',
      namespace: 'default',
      ownerReferences: [
        { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', controller: true, ...owner },
      ],
    },
  } as JsonObject;
}

describe('nginxCanaryOwner', () => {
  it('the same UID on both sides: the Rollout owns it', () => {
    expect(web.uid).toBe('uid-1');
    expect(nginxCanaryOwner(canaryIngress({ uid: 'uid-1' }), lookup)).toBe(web);
  });

  it('another UID: a Rollout created again under the same name does not own it', () => {
    expect(nginxCanaryOwner(canaryIngress({ uid: 'uid-2' }), lookup)).toBeUndefined();
  });

  it('an owner reference without a UID (a manifest file): the name decides', () => {
    expect(nginxCanaryOwner(canaryIngress({}), lookup)).toBe(web);
    expect(nginxCanaryOwner(canaryIngress({ uid: 7 }), lookup)).toBe(web);
  });
});

describe('nginxTrafficProvider.trafficStateOf', () => {
  it('an NGINX Rollout mid-canary: the weight the controller recorded, out of 100, and no header routes', () => {
    // NGINX ignores additional destinations and header routes (argo-rollouts
    // rollout/trafficrouting/nginx/nginx.go: SetHeaderRoute and RemoveManagedRoutes are no-ops).
    const nginxRollout = rollout({
      canary: { trafficRouting: { nginx: { stableIngress: 'web-ingress' } }, steps: [{ setWeight: 20 }] },
      status: midRollout(20),
    });
    expect(nginxTrafficProvider.trafficStateOf(nginxRollout)).toEqual({
      stableService: 'stable-svc',
      canaryService: 'canary-svc',
      canaryWeight: 20,
      additional: [],
      source: 'status-weights',
      totalWeight: 100,
      headerRoutes: [],
      removedRoutes: [],
    });
  });

  it('a Rollout without an NGINX block has no NGINX state', () => {
    expect(nginxTrafficProvider.trafficStateOf(rollout())).toBeUndefined();
  });
});
