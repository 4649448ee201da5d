/**
 * Field paths of a Rollout that rules about Rollouts and about Ingresses both point at.
 */
import { FieldPath } from './field-path.js';

/** `spec.strategy.canary`, where the canary strategy's fields are. */
export const CANARY_FIELD = FieldPath.of('spec', 'strategy', 'canary');

/** `spec.strategy.canary.trafficRouting`. */
export const TRAFFIC_ROUTING_FIELD = CANARY_FIELD.child('trafficRouting');
