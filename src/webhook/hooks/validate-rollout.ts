/**
 * Validating hook for Rollouts: the routing core's validation of the canary traffic
 * configuration and of the objects it references. Errors deny (or warn, by policy);
 * warnings are returned. The Rollouts controller's own writes are never blocked.
 */
import { isJsonObject, own, parseRollout } from '../../routing/wire/index.js';
import { routerRemovalFindings, validateRollout } from '../../routing/rollout-validation/index.js';
import type { ClusterView, Finding, JsonObject } from '../../routing/model.js';
import { AdmissionHandler, type ReviewContext } from '../admission/handler.js';
import type { AdmissionResult } from '../admission/response.js';
import type { AdmissionRequest } from '../admission/review.js';
import { judge } from './findings.js';

export function rolloutFindings(object: JsonObject, cluster: ClusterView, namespace?: string): Finding[] {
  const parsed = parseRollout(object);
  const rollout = parsed.value;
  if (!rollout) return parsed.findings;
  // On CREATE the object may not carry its namespace yet; the request always does. The parsed
  // Rollout is this call's own, so it takes the namespace in place.
  if (namespace) rollout.namespace = namespace;
  const found = validateRollout(rollout, cluster);
  return parsed.findings.length === 0 ? found : parsed.findings.concat(found);
}

const NGINX_ROUTING_PATH = ['spec', 'strategy', 'canary', 'trafficRouting', 'nginx'];

function hasNginxRouting(object: JsonObject): boolean {
  let node: unknown = object;
  for (const key of NGINX_ROUTING_PATH) {
    node = isJsonObject(node) ? own(node, key) : undefined;
  }
  return node !== undefined && node !== null;
}

/** What an UPDATE leaves behind that neither the old nor the new object shows on its own. */
export function rolloutChangeFindings(request: AdmissionRequest, cluster: ClusterView): Finding[] {
  if (request.operation !== 'UPDATE' || !request.oldObject || !request.object) return [];
  // Most updates keep their routers: look before parsing both objects again.
  if (!hasNginxRouting(request.oldObject) || hasNginxRouting(request.object)) return [];
  const previous = parseRollout(request.oldObject).value;
  const next = parseRollout(request.object).value;
  if (!previous || !next) return [];
  const namespace = request.namespace ?? next.namespace;
  return routerRemovalFindings({ ...previous, namespace }, { ...next, namespace }, cluster);
}

export class RolloutValidator extends AdmissionHandler {
  constructor() {
    super({ hook: 'validate', group: 'argoproj.io', kind: 'Rollout', operations: ['CREATE', 'UPDATE'] });
  }

  protected review(request: AdmissionRequest, context: ReviewContext): AdmissionResult {
    return judge(request, context, 'Rollout', rolloutFindings, rolloutChangeFindings);
  }
}
