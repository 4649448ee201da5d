/**
 * Read and edit helpers for wire Ingress objects (networking.k8s.io/v1 and the legacy
 * extensions/v1beta1 shape). They tolerate any JSON: a part of the wrong type is skipped,
 * never dereferenced, so a malformed object cannot crash a renderer.
 */
import { isJsonObject, newStringMap, own } from './json-reader.js';
import type { Json, JsonObject } from '../model.js';

/** Deep copy of a JSON value; keeps own keys such as `__proto__` as plain data. */
export function cloneJson<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * A copy of an Ingress that the renderers may edit in place: fresh containers along every
 * path they change (the object, `metadata`, `metadata.annotations`, `spec`, `spec.rules`,
 * each rule, its `http` and `http.paths`), every other part shared with `ingress`. On the
 * hot path this costs a fraction of a deep copy, and the patch differ skips the shared
 * parts by identity. Neither copy nor input may be modified outside those containers.
 */
export function editableIngress(ingress: JsonObject): JsonObject {
  // Spread copies own data properties (a `__proto__` key included) without invoking setters.
  const copy: JsonObject = { ...ingress };
  const metadata = own(copy, 'metadata');
  if (isJsonObject(metadata)) {
    const editable: JsonObject = { ...metadata };
    const annotations = own(editable, 'annotations');
    if (isJsonObject(annotations)) editable.annotations = { ...annotations };
    copy.metadata = editable;
  }
  const spec = own(copy, 'spec');
  if (isJsonObject(spec)) {
    const editable: JsonObject = { ...spec };
    const rules = own(editable, 'rules');
    if (Array.isArray(rules)) editable.rules = rules.map(editableRule);
    copy.spec = editable;
  }
  return copy;
}

function editableRule(rule: Json): Json {
  if (!isJsonObject(rule)) return rule;
  const editable: JsonObject = { ...rule };
  const http = own(editable, 'http');
  if (isJsonObject(http)) {
    const paths = own(http, 'paths');
    editable.http = Array.isArray(paths) ? { ...http, paths: [...paths] } : { ...http };
  }
  return editable;
}

/** `spec.rules`, or [] when absent or malformed. */
export function ingressRulesOf(ingress: JsonObject): Json[] {
  const rules = own(asObject(own(ingress, 'spec')), 'rules');
  return Array.isArray(rules) ? rules : [];
}

/** `rule.http.paths` when it is an array; undefined otherwise. */
export function pathsOf(rule: Json): Json[] | undefined {
  const paths = own(asObject(own(asObject(rule), 'http')), 'paths');
  return Array.isArray(paths) ? paths : undefined;
}

/** Service name of a path's backend: `backend.service.name` (v1) or `backend.serviceName` (legacy). */
export function backendServiceName(path: Json): string | undefined {
  const backend = asObject(own(asObject(path), 'backend'));
  const name = own(asObject(own(backend, 'service')), 'name') ?? own(backend, 'serviceName');
  return typeof name === 'string' ? name : undefined;
}

/** Rename a path's backend Service in place, in whichever shape it uses. */
export function renameBackendService(path: Json, name: string): void {
  const backend = asObject(own(asObject(path), 'backend'));
  const service = asObject(own(backend, 'service'));
  if (service && typeof own(service, 'name') === 'string') service.name = name;
  else if (backend && typeof own(backend, 'serviceName') === 'string') backend.serviceName = name;
}

/** True when some rule path has a backend on `service` (the controller's rule check, argo alb.go). */
export function hasBackendService(ingress: JsonObject, service: string): boolean {
  return ingressRulesOf(ingress).some((rule) =>
    (pathsOf(rule) ?? []).some((p) => backendServiceName(p) === service),
  );
}

/**
 * True when new paths must use the extensions/v1beta1 backend fields. Decided by apiVersion;
 * without one, by whether the object already uses `serviceName`.
 */
export function usesLegacyBackends(ingress: JsonObject): boolean {
  const apiVersion = own(ingress, 'apiVersion');
  if (typeof apiVersion === 'string' && apiVersion !== '') return apiVersion.endsWith('/v1beta1');
  return ingressRulesOf(ingress).some((rule) =>
    (pathsOf(rule) ?? []).some(
      (p) => own(asObject(own(asObject(p), 'backend')), 'serviceName') !== undefined,
    ),
  );
}

export function asObject(value: Json | undefined): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

export function nameOf(obj: JsonObject): string {
  const name = own(asObject(own(obj, 'metadata')), 'name');
  return typeof name === 'string' ? name : '';
}

/**
 * `metadata.annotations` as a string map, `{}` when absent (HEAD treats a nil map as empty).
 * Undefined when it is present but not a map of strings: such an object is not a valid
 * Ingress, and rewriting it would lose data.
 */
export function annotationsOf(obj: JsonObject): Record<string, string> | undefined {
  const metadata = own(obj, 'metadata');
  if (metadata !== undefined && metadata !== null && !isJsonObject(metadata)) return undefined;
  const annotations = own(asObject(metadata), 'annotations');
  if (annotations === undefined || annotations === null) return {};
  if (!isJsonObject(annotations)) return undefined;
  const out = newStringMap();
  for (const key of Object.keys(annotations)) {
    const value = annotations[key];
    if (typeof value !== 'string') return undefined;
    out[key] = value;
  }
  return out;
}

/**
 * The string-valued annotations of an object, `{}` when it has none; values of other types
 * are skipped (the drift guard compares what it can and leaves the rest to the request).
 */
export function stringAnnotationsOf(obj: JsonObject | undefined): Record<string, string> {
  const annotations = own(asObject(own(obj, 'metadata')), 'annotations');
  const out = newStringMap();
  if (!isJsonObject(annotations)) return out;
  for (const key of Object.keys(annotations)) {
    const value = annotations[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** One string-valued annotation of an object, undefined when absent or not a string. */
export function stringAnnotationOf(obj: JsonObject | undefined, key: string): string | undefined {
  const value = own(asObject(own(asObject(own(obj, 'metadata')), 'annotations')), key);
  return typeof value === 'string' ? value : undefined;
}

/** Sets (or, with undefined, removes) one annotation of a (copied) object, creating the maps it needs. */
export function setAnnotation(obj: JsonObject, key: string, value: string | undefined): void {
  const meta = (isJsonObject(own(obj, 'metadata')) ? obj.metadata : (obj.metadata = {})) as JsonObject;
  if (!isJsonObject(own(meta, 'annotations'))) meta.annotations = {};
  const annotations = meta.annotations as JsonObject;
  if (value === undefined) delete annotations[key];
  else annotations[key] = value;
}

/** Replace `metadata.annotations` of a (copied) object, creating `metadata` when needed. */
export function setAnnotations(obj: JsonObject, annotations: Record<string, string>): void {
  let metadata = asObject(own(obj, 'metadata'));
  if (!metadata) {
    metadata = {};
    obj.metadata = metadata;
  }
  metadata.annotations = annotations;
}

/** `obj[key] = value` as an own data property, even for keys such as `__proto__`. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
