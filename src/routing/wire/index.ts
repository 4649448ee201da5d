/**
 * The wire: reading JSON objects as the API server sends them, parsing them into the domain
 * model (Rollout, Ingress, Service, IngressClass), and `IngressObject`, the one type that
 * reads and edits a wire Ingress's annotations, rules and paths.
 */
export { IngressObject } from './ingress-object.js';
export { canonicalJson } from './canonical-json.js';
export { readGatewayApiConfig, readGatewayApiPlugin } from './gateway-api-config.js';
export { cloneJson, describe, isJsonObject, newStringMap, own, setOwn } from './json-reader.js';
export { MAX_NESTING_DEPTH, measureJson, measureJsonText, parseCostBytes } from './json-shape.js';
export type { JsonShape } from './json-shape.js';
export { parseIngress, parseIngressClass, parseRollout, parseService } from './parse-objects.js';
export type { Parsed } from './parse-objects.js';
