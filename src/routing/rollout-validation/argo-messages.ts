/**
 * The detail texts of Argo Rollouts' Rollout validation, in one block, under the names the
 * controller gives them (argoproj/argo-rollouts, pkg/apis/rollouts/validation/validation.go,
 * the `const` block at the top), so that "our text is the controller's" can be checked
 * against that one block. The texts are the current release's; where a text changed since
 * v1.4.0 the constant keeps its name. Texts the controller formats have a function with the
 * constant's name in lower camel case.
 */

export const InvalidMaxSurgeMaxUnavailable = 'MaxSurge and MaxUnavailable both can not be zero';
export const DuplicatedServicesCanaryMessage =
  'This rollout uses the same service for the stable and canary services, but two different services are required.';
export const InvalidTrafficRoutingMessage =
  'Canary service and Stable service must to be set to use Traffic Routing';
/** Named `PingPongWithAlbOnlyMessage` since ALB was the only router with ping-pong. */
export const PingPongWithAlbOnlyMessage =
  'Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only';
export const InvalidPingPongProvidedMessage =
  'Ping service and Pong service must to be set to use Ping-Pong feature';
export const DuplicatedPingPongServicesMessage =
  'This rollout uses the same service for the ping and pong services, but two different services are required.';
export const MissedAlbRootServiceMessage =
  'Root service field is required for the configuration with ALB and ping-pong feature enabled';
export const InvalidCanaryScaleDownDelay =
  'Canary scaleDownDelaySeconds can only be used with traffic routing';
export const InvalidCanaryDynamicStableScale =
  'Canary dynamicStableScale can only be used with traffic routing';
export const InvalidCanaryDynamicStableScaleWithScaleDownDelay =
  'Canary dynamicStableScale cannot be used with scaleDownDelaySeconds';
export const InvalidCanaryMaxWeightOnlySupportInNginxAndPlugins =
  'Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins';
export const InvalidStepMessage =
  'Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause';
export const InvalidDurationMessage = 'Duration needs to be greater than 0';
export const InvalidStringMatchMissedValuePolicy =
  'StringMatch value missed, match value must have one of the following: exact, regex, prefix';
export const InvalidStringMatchMultipleValuePolicy =
  'StringMatch match value must have exactly one of the following: exact, regex, prefix';
export const InvalidSetHeaderRouteALBValuePolicy =
  "SetHeaderRoute match value invalid. ALB supports 'exact' value only";
export const InvalidSetHeaderRouteTrafficPolicy =
  'SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix';
export const InvalidSetMirrorRouteTrafficPolicy =
  'SetMirrorRoute requires TrafficRouting, supports Istio and Plugins';
export const InvalideStepRouteNameNotFoundInManagedRoutes =
  'Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes';
export const InvalidCanaryExperimentTemplateWeightWithoutTrafficRouting =
  'Experiment template weight cannot be set unless TrafficRouting is enabled';
/** Written inline by the controller (no constant of its own). */
export const ExperimentTemplateWeightRouterMessage =
  'Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time';
export const InvalidSetCanaryScaleTrafficPolicy = 'SetCanaryScale requires TrafficRouting to be set';

/** `InvalidSetWeightMessage` ("SetWeight needs to be between 0 and %d"). */
export function invalidSetWeightMessage(maxWeight: number): string {
  return `SetWeight needs to be between 0 and ${maxWeight}`;
}

/** `MissingFieldMessage` ("Rollout has missing field '%s'"). */
export function missingFieldMessage(field: string): string {
  return `Rollout has missing field '${field}'`;
}
