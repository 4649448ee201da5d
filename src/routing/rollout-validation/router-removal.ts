/**
 * Changes of a Rollout that leave traffic behind: when `trafficRouting.nginx` is removed, the
 * controller stops reconciling the canary Ingress but never deletes it (its RemoveManagedRoutes
 * is a no-op for NGINX; argoproj/argo-rollouts issue 4751), so ingress-nginx keeps sending the
 * last canary weight to the canary Service.
 */
import { NGINX_CANARY_WEIGHT } from '../keys.js';
import type { ClusterView, Finding, Rollout } from '../model.js';
import { canaryIngressName } from '../nginx/index.js';
import { referencedIngresses } from '../traffic-state.js';
import { TRAFFIC_ROUTING_FIELD } from '../findings/index.js';
import { warning } from './argo-finding.js';

/** Warnings for an UPDATE from `previous` to `next` (same Rollout). */
export function routerRemovalFindings(previous: Rollout, next: Rollout, cluster: ClusterView): Finding[] {
  if (!previous.canary?.trafficRouting?.nginx || next.canary?.trafficRouting?.nginx) return [];
  const canaryService = previous.canary.canaryService ?? 'the canary Service';
  return referencedIngresses(previous).nginx.flatMap((stable) => {
    const name = canaryIngressName(previous.name, stable);
    const ingress = cluster.getIngress(next.namespace, name);
    if (!ingress) return [];
    // The cache keeps the weight under the default prefix only; another prefix is unknown here.
    const weight = ingress.annotations[NGINX_CANARY_WEIGHT];
    if (weight === '0') return [];
    const share = weight === undefined ? 'its last canary weight' : `${weight}% (its canary-weight)`;
    return [
      warning(
        'nginx-canary-ingress-orphaned',
        TRAFFIC_ROUTING_FIELD,
        `Fix: delete Ingress ${name} (kubectl -n ${next.namespace} delete ingress ${name}). Argo Rollouts never deletes it once trafficRouting.nginx is removed, and ingress-nginx keeps sending ${share} of requests to ${canaryService} (argo-rollouts issue 4751).`,
      ),
    ];
  });
}
