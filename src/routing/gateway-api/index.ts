/**
 * The Gateway API provider: HTTPRoutes and GRPCRoutes written by the Argo Rollouts Gateway API
 * traffic-router plugin (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi). Its
 * configuration on a Rollout, what the plugin writes into a route, the drift guard for
 * route writes, and the checks of Rollouts and routes.
 */
export {
  GATEWAY_API_GROUP,
  MAX_RULES,
  canonicalRule,
  isManagedRuleName,
  isPluginManagedRule,
  overSchemaLimits,
  parseGatewayRoute,
  projectRoute,
  routeKindOf,
  routeNamespace,
} from './route-rules.js';
export { ruleNameProblem } from './rule-name.js';
export {
  BACKEND_REF_NOT_FOUND,
  INVALID_HEADER_MATCH_TYPE,
  buildHeaderRules,
  experimentPort,
  pluginHeaderMatches,
  setWeights,
  withInProgressLabel,
  type RouteOwner,
} from './render.js';
export {
  editableRoute,
  gatewayApiTrafficProvider,
  ownedRouteValue,
  routeEntriesFor,
  stagedRoute,
} from './guard.js';
export {
  NO_ROUTES_MESSAGE,
  gatewayApiReferenceFindings,
  gatewayApiSpecFindings,
  routeFindingsFor,
  routeWriteFindings,
} from './validate.js';
