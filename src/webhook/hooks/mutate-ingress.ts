/**
 * Mutating hook for Ingress: the GitOps drift guard. A write by anyone but the Rollouts
 * controller leaves admission with the Rollout-owned keys equal to the live traffic state;
 * everything else in the request goes through untouched.
 */
import { guardIngress, type Override } from '../../routing/drift-guard.js';
import { referencedIngresses } from '../../routing/traffic-state.js';
import { IngressObject } from '../../routing/wire/index.js';
import { AdmissionHandler, type ReviewContext } from '../admission/handler.js';
import { allow, auditAnnotationsOf, patched, type AdmissionResult } from '../admission/response.js';
import type { AdmissionRequest } from '../admission/review.js';
import { diff } from '../patch.js';

/** Rule id of a Rollout-owned key put back to the live traffic state (Events, audit log). */
export const RESTORED_RULE = 'rollout-owned-key-restored';

/**
 * What the guard did to a key, in words that are true: "kept" only when the live value
 * stayed; "restored" when the request removed the key or the live value was replaced.
 */
export function overrideWarning(o: Override): string {
  if (o.admitted === undefined) return `${o.key}: removed, Rollout ${o.rollout} no longer routes it`;
  if (o.requested === undefined)
    return `${o.key}: restored Rollout ${o.rollout}'s ${o.meaning}; the request removed it`;
  if (o.admitted === o.live)
    return `${o.key}: kept Rollout ${o.rollout}'s ${o.meaning}, not the request's value`;
  return `${o.key}: restored Rollout ${o.rollout}'s ${o.meaning}, not the request's value`;
}

export class IngressMutator extends AdmissionHandler {
  constructor() {
    super({ hook: 'mutate', group: 'networking.k8s.io', kind: 'Ingress', operations: ['CREATE', 'UPDATE'] });
  }

  protected review(request: AdmissionRequest, context: ReviewContext): AdmissionResult {
    const object = request.object;
    if (!object) return allow('no-object');
    const namespace = request.namespace ?? '';
    const name = request.name ?? IngressObject.of(object).name;
    const albRollouts = context.cluster
      .rolloutsReferencingIngress(namespace, name)
      .filter((r) => referencedIngresses(r).alb.includes(name));
    const result = guardIngress({
      requested: object,
      live: request.operation === 'UPDATE' ? request.oldObject : undefined,
      albRollouts,
      rolloutNamed: (rollout) => context.cluster.getRollout(namespace, rollout),
    });
    if (result.owners.length === 0 && result.errors.length === 0) return allow('not-rollout-managed');
    const overrideTexts = result.overrides.map(overrideWarning);
    const warnings = [...overrideTexts, ...result.errors.map((f) => `not guarded: ${f.message}`)];
    const ops = diff(object, result.ingress);
    const decision =
      ops.length > 0
        ? patched(ops, 'traffic-state-restored', warnings)
        : allow('traffic-state-intact', warnings);
    if (result.overrides.length === 0) return decision;
    return {
      ...decision,
      overrides: result.overrides.map((o) => o.provider),
      notices: result.overrides.map((o, i) => ({
        outcome: 'overridden' as const,
        rule: RESTORED_RULE,
        message: overrideTexts[i]!,
        rollout: o.rollout,
      })),
      auditAnnotations: auditAnnotationsOf('patched', { restoredKeys: result.overrides.map((o) => o.key) }),
    };
  }
}
