/**
 * Validating hook for Ingress: (1) a change must not remove or break the `use-annotation`
 * backend of an Ingress a Rollout routes through, and (2) the ALB and NGINX traffic
 * annotations of any Ingress of those classes must be what the load-balancer controllers
 * accept. The Rollouts controller's own writes are never blocked.
 */
import { validateAlbAnnotations } from '../../routing/alb/index.js';
import { ingressControllers } from '../../routing/ingress-class.js';
import { validateNginxAnnotations } from '../../routing/nginx/index.js';
import { parseIngress } from '../../routing/wire/index.js';
import { referencedIngresses } from '../../routing/traffic-state.js';
import { validateRolloutReferences } from '../../routing/rollout-validation/index.js';
import type { ClusterView, Finding, Ingress, JsonObject } from '../../routing/model.js';
import { DelegatingClusterView } from '../../cluster/delegating-view.js';
import { AdmissionHandler, type ReviewContext } from '../admission/handler.js';
import type { AdmissionResult } from '../admission/response.js';
import type { AdmissionRequest } from '../admission/review.js';
import { judge } from './findings.js';

/** The cluster as it would be with this Ingress admitted. */
class ClusterWithIngress extends DelegatingClusterView {
  constructor(
    cluster: ClusterView,
    private readonly ingress: Ingress,
  ) {
    super(cluster);
  }

  override getIngress(namespace: string, name: string): Ingress | undefined {
    const own = this.ingress;
    return namespace === own.namespace && name === own.name ? own : super.getIngress(namespace, name);
  }
}

/** Wiring findings of every Rollout that routes through this Ingress, limited to this Ingress. */
function wiringFindings(ingress: Ingress, cluster: ClusterView): Finding[] {
  const view = new ClusterWithIngress(cluster, ingress);
  return cluster
    .rolloutsReferencingIngress(ingress.namespace, ingress.name)
    .filter((r) => {
      const refs = referencedIngresses(r);
      return refs.alb.includes(ingress.name) || refs.nginx.includes(ingress.name);
    })
    .flatMap((rollout) =>
      validateRolloutReferences(rollout, view)
        .filter((f) => f.ingress === ingress.name)
        .map((f) => ({ ...f, message: `Rollout ${rollout.name}: ${f.message}` })),
    );
}

/**
 * A `use-annotation` path without its action is what a GitOps tool creates when it applies
 * the Ingress before the Rollout that will write the action (apply order is not
 * guaranteed). With no Rollout routing through the Ingress yet, that is a warning, not a
 * denial; once one does, the mutating hook has already injected the action.
 */
function tolerateApplyOrder(findings: Finding[], routedByRollout: boolean): Finding[] {
  if (routedByRollout) return findings;
  return findings.map((f) =>
    f.rule === 'alb-action-missing' && f.severity === 'error'
      ? { ...f, severity: 'warning', message: `${f.message} (No Rollout routes through this Ingress yet.)` }
      : f,
  );
}

function annotationFindings(ingress: Ingress, cluster: ClusterView): Finding[] {
  const controllers = ingressControllers(ingress, cluster.ingressClasses());
  const rollouts = cluster.rolloutsReferencingIngress(ingress.namespace, ingress.name);
  const findings: Finding[] = [];
  if (controllers.alb) {
    // Argo Rollouts may write with a custom annotationPrefix; read those keys too, so they
    // are checked (and flagged: the AWS Load Balancer Controller only reads its own prefix).
    const extraPrefixes = rollouts.flatMap((r) => r.canary?.trafficRouting?.alb?.annotationPrefix ?? []);
    const alb = validateAlbAnnotations(ingress, (name) => cluster.getService(ingress.namespace, name), {
      extraPrefixes,
    });
    findings.push(...tolerateApplyOrder(alb, rollouts.length > 0));
  }
  if (controllers.nginx) findings.push(...validateNginxAnnotations(ingress));
  return findings;
}

/**
 * `wiring: false` leaves out the Rollouts' wiring findings: `check` validates those Rollouts
 * too, and files each finding once, under the object to edit.
 */
export function ingressFindings(
  object: JsonObject,
  cluster: ClusterView,
  namespace?: string,
  { wiring = true }: { wiring?: boolean } = {},
): Finding[] {
  const parsed = parseIngress(object);
  if (!parsed.value) return parsed.findings;
  const ingress = namespace ? { ...parsed.value, namespace } : parsed.value;
  return [
    ...parsed.findings,
    ...(wiring ? wiringFindings(ingress, cluster) : []),
    ...annotationFindings(ingress, cluster),
  ];
}

export class IngressValidator extends AdmissionHandler {
  constructor() {
    super({
      hook: 'validate',
      group: 'networking.k8s.io',
      kind: 'Ingress',
      operations: ['CREATE', 'UPDATE'],
    });
  }

  protected review(request: AdmissionRequest, context: ReviewContext): AdmissionResult {
    return judge(request, context, 'Ingress', ingressFindings);
  }
}
