/**
 * AWS Load Balancer Controller provider: renders the annotations Argo Rollouts writes for ALB
 * (weighted forward action, header-route actions and conditions, managed-annotations
 * bookkeeping), its share of the drift guard, the `use-annotation` backend wiring a Rollout
 * needs, and the checks of hand-written `actions.*`, `conditions.*` and `group.*` annotations.
 */
export { validateAlbAnnotations, type AlbAnnotationOptions } from './check-annotations.js';
export { albTrafficProvider, liveWeightActionIsConsistent } from './guard-provider.js';
export {
  parseManagedAlbAnnotations,
  parseLegacyManagedAlbActions,
  renderManagedAlbAnnotations,
  type ManagedAlbAnnotations,
} from './managed-annotations.js';
export { parseAlbAction, parseAlbConditions } from './parse-annotations.js';
export {
  applyAlbState,
  desiredAlbIngress,
  renderAlbState,
  STICKINESS_DURATION_ERROR,
  type DesiredAlbIngress,
  type RenderedAlbState,
} from './render.js';
export { albIngressWiring, hasRuleWithService, otherBackends } from './use-annotation-wiring.js';
export { MAX_STICKINESS_SECONDS } from './schema.js';
