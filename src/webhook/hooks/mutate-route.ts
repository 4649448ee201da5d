/**
 * Mutating hook for Gateway API routes (HTTPRoute and GRPCRoute, gateway.networking.k8s.io/v1):
 * the GitOps drift guard of the Argo Rollouts Gateway API plugin. A write by anyone but the
 * Rollouts controller (whose ServiceAccount the plugin writes as) leaves admission with the
 * Rollout-owned weights, header-route rules and in-progress label equal to the live traffic
 * state; everything else in the request goes through untouched.
 */
import { guardRoute, routeKindOf, type RouteOverride } from '../../routing/gateway-api/index.js';
import { isController, type AdmissionHandler, type ReviewContext } from '../admission/handler.js';
import { allow, deny, patched, type AdmissionResult } from '../admission/response.js';
import type { AdmissionRequest } from '../admission/review.js';
import { diff } from '../patch.js';

function overrideWarning(o: RouteOverride): string {
  return `${o.key}: kept Rollout ${o.rollout}'s ${o.meaning}`;
}

export class RouteMutator implements AdmissionHandler {
  handle(request: AdmissionRequest, context: ReviewContext): AdmissionResult {
    const kind = routeKindOf(request.kind.group, request.kind.kind);
    if (!kind) return allow('not-a-route');
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow('operation-ignored');
    if (isController(request, context.policy)) return allow('rollouts-controller');
    if (request.subResource) return allow('subresource-ignored');
    const object = request.object;
    if (!object) return allow('no-object');
    const namespace = request.namespace ?? '';
    const name = request.name ?? '';
    const rollouts = context.cluster.rolloutsReferencingRoute(kind, namespace, name);
    if (rollouts.length === 0) return allow('not-rollout-managed');
    const result = guardRoute({
      kind,
      // The request names the route even on CREATE, where the object may lack its namespace.
      namespace,
      name,
      requested: object,
      live: request.operation === 'UPDATE' ? request.oldObject : undefined,
      rollouts,
      getService: (ns, service) => context.cluster.getService(ns, service),
    });
    const notGuarded = result.errors.map((f) => `not guarded: ${f.message}`);
    if (result.denial) {
      return deny(
        `${kind} ${namespace}/${name} cannot carry the traffic state of its Rollouts: ${result.denial}.`,
        'route-limits',
        notGuarded,
      );
    }
    if (result.unguarded) {
      return allow('route-over-limits', [
        `not guarded: ${result.unguarded}; the apiserver rejects this route`,
      ]);
    }
    if (result.owners.length === 0 && result.errors.length === 0) return allow('not-rollout-managed');
    const warnings = [...result.overrides.map(overrideWarning), ...notGuarded];
    // Two steps keep the patch narrow: edits inside the request's rules, then rules added.
    const staged = result.staged ?? result.route;
    const ops = [...diff(object, staged), ...diff(staged, result.route)];
    const decision =
      ops.length > 0
        ? patched(ops, 'traffic-state-restored', warnings)
        : allow('traffic-state-intact', warnings);
    return { ...decision, overrides: result.overrides.map((o) => o.provider) };
  }
}
