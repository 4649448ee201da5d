/**
 * Validation of a Rollout's canary traffic routing: Argo Rollouts' own spec rules (same order,
 * same words), the rules beyond Argo's that the load balancers need, and the checks of the
 * objects the Rollout references (Ingresses, Services, IngressClasses).
 */
export { validateRolloutReferences, type ReferenceOptions } from './references.js';
export { validateRollout, validateRolloutSpec } from './validate-rollout.js';
export { routerRemovalFindings } from './router-removal.js';
