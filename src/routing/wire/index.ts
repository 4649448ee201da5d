/**
 * The wire: reading JSON objects as the API server sends them, parsing them into the domain
 * model (Rollout, Ingress, Service, IngressClass), and the editable Ingress object the
 * renderers and the drift guard write annotations and paths into.
 */
export {
  IngressObject,
  annotationsOf,
  asObject,
  backendServiceName,
  editableIngress,
  hasBackendService,
  nameOf,
  pathsOf,
  renameBackendService,
  ingressRulesOf,
  setAnnotation,
  setAnnotations,
  stringAnnotationOf,
  stringAnnotationsOf,
  usesLegacyBackends,
} from './ingress-object.js';
export { canonicalJson } from './canonical-json.js';
export { readGatewayApiConfig, readGatewayApiPlugin } from './gateway-api-config.js';
export { cloneJson, describe, isJsonObject, newStringMap, own, setOwn } from './json-reader.js';
export { MAX_NESTING_DEPTH, measureJson, measureJsonText, parseCostBytes } from './json-shape.js';
export type { JsonShape } from './json-shape.js';
export { parseIngress, parseIngressClass, parseRollout, parseService } from './parse-objects.js';
export type { Parsed } from './parse-objects.js';
