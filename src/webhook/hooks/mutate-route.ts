/**
 * Mutating hook for Gateway API routes (HTTPRoute and GRPCRoute, gateway.networking.k8s.io/v1):
 * the GitOps drift guard of the Argo Rollouts Gateway API plugin, through the same guard as
 * Ingresses with the Gateway API provider. A write by anyone but the Rollouts controller
 * (whose ServiceAccount the plugin writes as) leaves admission with the Rollout-owned
 * weights, header-route rules and in-progress label equal to the live traffic state;
 * everything else in the request goes through untouched.
 */
import { guardObject, type Override } from '../../routing/drift-guard.js';
import {
  editableRoute,
  GATEWAY_API_GROUP,
  gatewayApiTrafficProvider,
  stagedRoute,
} from '../../routing/gateway-api/index.js';
import type { RouteKind } from '../../routing/model.js';
import { AdmissionHandler, type ReviewContext } from '../admission/handler.js';
import { allow, deny, patched, type AdmissionResult } from '../admission/response.js';
import type { AdmissionRequest } from '../admission/review.js';
import { diff } from '../patch.js';

const ROUTE_PROVIDERS = [gatewayApiTrafficProvider];

function overrideWarning(o: Override): string {
  return `${o.key}: kept Rollout ${o.rollout}'s ${o.meaning}`;
}

/** One instance per route kind: the dispatcher finds each by the kind it declares. */
export class RouteMutator extends AdmissionHandler {
  constructor(private readonly kind: RouteKind) {
    super({ hook: 'mutate', group: GATEWAY_API_GROUP, kind, operations: ['CREATE', 'UPDATE'] });
  }

  protected review(request: AdmissionRequest, context: ReviewContext): AdmissionResult {
    const kind = this.kind;
    if (request.subResource) return allow('subresource-ignored');
    const object = request.object;
    if (!object) return allow('no-object');
    const namespace = request.namespace ?? '';
    const name = request.name ?? '';
    const rollouts = context.cluster.rolloutsReferencingRoute(kind, namespace, name);
    if (rollouts.length === 0) return allow('not-rollout-managed');
    const result = guardObject(
      {
        requested: object,
        live: request.operation === 'UPDATE' ? request.oldObject : undefined,
        albRollouts: [],
        rolloutNamed: () => undefined,
        route: {
          kind,
          namespace,
          name,
          rollouts,
          getService: (ns, service) => context.cluster.getService(ns, service),
        },
      },
      ROUTE_PROVIDERS,
      editableRoute,
    );
    const notGuarded = result.errors.map((f) => `not guarded: ${f.message}`);
    if (result.refusal) {
      return deny(
        `${kind} ${namespace}/${name} cannot carry the traffic state of its Rollouts: ${result.refusal}.`,
        'gateway-api-route-limits',
        notGuarded,
      );
    }
    if (result.owners.length === 0 && result.errors.length === 0) return allow('not-rollout-managed');
    const warnings = [...result.overrides.map(overrideWarning), ...notGuarded];
    // Two steps keep the patch narrow: edits inside the request's rules, then rules added.
    const staged = stagedRoute(kind, object, result.ingress);
    const ops = diff(staged, result.ingress, '', diff(object, staged));
    const decision =
      ops.length > 0
        ? patched(ops, 'traffic-state-restored', warnings)
        : allow('traffic-state-intact', warnings);
    return { ...decision, overrides: result.overrides.map((o) => o.provider) };
  }
}
