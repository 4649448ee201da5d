/**
 * Validating hook for Rollouts: the routing core's validation of the canary traffic
 * configuration and of the objects it references. Errors deny (or warn, by policy);
 * warnings are returned. The Rollouts controller's own writes are never blocked.
 */
import { parseRollout } from '../../routing/wire/index.js';
import { validateRollout } from '../../routing/rollout-validation/index.js';
import type { ClusterView, Finding, JsonObject } from '../../routing/model.js';
import { AdmissionHandler, type ReviewContext } from '../admission/handler.js';
import type { AdmissionResult } from '../admission/response.js';
import type { AdmissionRequest } from '../admission/review.js';
import { judge } from './findings.js';

export function rolloutFindings(object: JsonObject, cluster: ClusterView, namespace?: string): Finding[] {
  const parsed = parseRollout(object);
  if (!parsed.value) return parsed.findings;
  // On CREATE the object may not carry its namespace yet; the request always does.
  const rollout = namespace ? { ...parsed.value, namespace } : parsed.value;
  return [...parsed.findings, ...validateRollout(rollout, cluster)];
}

export class RolloutValidator extends AdmissionHandler {
  constructor() {
    super({ hook: 'validate', group: 'argoproj.io', kind: 'Rollout', operations: ['CREATE', 'UPDATE'] });
  }

  protected review(request: AdmissionRequest, context: ReviewContext): AdmissionResult {
    return judge(request, context, 'Rollout', rolloutFindings);
  }
}
