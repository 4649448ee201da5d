/**
 * Validating hook for Rollouts: the routing core's validation of the canary traffic
 * configuration and of the objects it references. Errors deny (or warn, by policy);
 * warnings are returned. The Rollouts controller's own writes are never blocked.
 */
import { parseRollout } from '../../routing/parse.js';
import { validateRollout } from '../../routing/validate-rollout.js';
import type { ClusterView, Finding, JsonObject } from '../../routing/model.js';
import { isController, isKind, type AdmissionHandler, type ReviewContext } from '../admission/handler.js';
import { allow, type AdmissionResult } from '../admission/response.js';
import type { AdmissionRequest } from '../admission/review.js';
import { decide, ratchet } from './findings.js';

export function rolloutFindings(object: JsonObject, cluster: ClusterView, namespace?: string): Finding[] {
  const parsed = parseRollout(object);
  if (!parsed.value) return parsed.findings;
  // On CREATE the object may not carry its namespace yet; the request always does.
  const rollout = namespace ? { ...parsed.value, namespace } : parsed.value;
  return [...parsed.findings, ...validateRollout(rollout, cluster)];
}

export class RolloutValidator implements AdmissionHandler {
  handle(request: AdmissionRequest, context: ReviewContext): AdmissionResult {
    if (!isKind(request, 'argoproj.io', 'Rollout')) return allow('not-a-rollout');
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow('operation-ignored');
    if (isController(request, context.policy)) return allow('rollouts-controller');
    if (request.subResource) return allow('subresource-ignored');
    if (!request.object) return allow('no-object');
    const current = rolloutFindings(request.object, context.cluster, request.namespace);
    const previous =
      request.operation === 'UPDATE' && request.oldObject
        ? rolloutFindings(request.oldObject, context.cluster, request.namespace)
        : undefined;
    const subject = `Rollout ${request.namespace ?? ''}/${request.name ?? ''}`;
    return decide(subject, ratchet(current, previous), context.policy.enforcement);
  }
}
