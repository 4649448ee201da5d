import type { V1Ingress } from '@kubernetes/client-node';
import type { CanaryNames } from './manifests.js';

/** The identity Argo CD's application controller writes with; scenarios impersonate it. */
export const ARGO_CD_IDENTITY = 'system:serviceaccount:argocd:argocd-application-controller';

/** The ALB action annotation the controller writes for a canary (named after the stable Service). */
export const albActionKey = (names: CanaryNames): string =>
  `alb.ingress.kubernetes.io/actions.${names.stableService}`;

/** The canary's weight in the ALB action of `ingress`, as written (undefined when it has none). */
export function albCanaryWeight(ingress: V1Ingress, names: CanaryNames): string | undefined {
  const action = ingress.metadata?.annotations?.[albActionKey(names)] ?? '';
  const target = `"ServiceName":"${names.canaryService}","ServicePort":"${names.servicePort}","Weight":`;
  const at = action.indexOf(target);
  return at < 0 ? undefined : /^-?\d+/.exec(action.slice(at + target.length))?.[0];
}
