/**
 * Validating hook for Gateway API routes (HTTPRoute and GRPCRoute): denies a write that would
 * make the Gateway API plugin fail for a Rollout that routes through the route (a Service's
 * backendRef gone, no rule left for the header routes, no room for them under the 16-rule
 * limit). Runs after the mutating guard, so it judges the route as it will be stored.
 */
import { GATEWAY_API_GROUP, parseGatewayRoute, routeWriteFindings } from '../../routing/gateway-api/index.js';
import type { ClusterView, Finding, JsonObject, RouteKind } from '../../routing/model.js';
import { AdmissionHandler, type ReviewContext } from '../admission/handler.js';
import type { AdmissionResult } from '../admission/response.js';
import type { AdmissionRequest } from '../admission/review.js';
import { judge } from './findings.js';

export function routeFindings(
  kind: RouteKind,
  object: JsonObject,
  cluster: ClusterView,
  namespace?: string,
): Finding[] {
  const parsed = parseGatewayRoute(kind, object);
  if (!parsed.value) return parsed.findings;
  const route = namespace ? { ...parsed.value, namespace } : parsed.value;
  return routeWriteFindings(route, cluster);
}

/** One instance per route kind: the dispatcher finds each by the kind it declares. */
export class RouteValidator extends AdmissionHandler {
  constructor(private readonly kind: RouteKind) {
    super({ hook: 'validate', group: GATEWAY_API_GROUP, kind, operations: ['CREATE', 'UPDATE'] });
  }

  protected review(request: AdmissionRequest, context: ReviewContext): AdmissionResult {
    const kind = this.kind;
    return judge(request, context, kind, (object, cluster, namespace) =>
      routeFindings(kind, object, cluster, namespace),
    );
  }
}
