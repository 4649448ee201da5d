/**
 * `IngressObject`: one Ingress as the API server sends it (networking.k8s.io/v1 or the legacy
 * extensions/v1beta1 shape), and the one place that reads and edits its annotations, rules,
 * paths and backends. The idea is Argo Rollouts' `Ingress` wrapper (argoproj/argo-rollouts
 * master 9f8d111, utils/ingress/wrapper.go; "argo wrapper.go" below and in docs/routing.md),
 * which hides the two API versions behind one type that owns annotations and the
 * use-annotation paths.
 *
 * It is a view, not a copy: reads go to the wrapped JSON when asked and build nothing but their
 * answer, so wrapping an object on the request path costs one small allocation. It tolerates any
 * JSON: a part of the wrong type is read as absent, never dereferenced, so a malformed object
 * cannot crash a renderer. Edits are allowed only on a copy made by `editableCopy`.
 */
import { cloneJson, isJsonObject, newStringMap, own, setOwn } from './json-reader.js';
import type { Json, JsonObject } from '../model.js';
import { USE_ANNOTATION_PORT } from '../keys.js';

/**
 * Up to this many routes are looked up by scanning (linear: the count is bounded); more go
 * through a Map or Set built once.
 */
const FEW_ROUTES = 8;

/** What a view of no object reads: nothing. Frozen, so an edit on it fails loudly. */
const ABSENT: JsonObject = Object.freeze({}) as JsonObject;

export class IngressObject {
  private constructor(
    /** The wire object this view reads and, for an editable copy, edits. */
    readonly json: JsonObject,
  ) {}

  /** A view of `json` (of nothing when undefined, e.g. the live object on CREATE). */
  static of(json: JsonObject | undefined): IngressObject {
    return new IngressObject(json ?? ABSENT);
  }

  /**
   * A copy the edits may change in place: fresh containers along every path they change (the
   * object, `metadata`, `metadata.annotations`, `spec`, `spec.rules`, each rule, its `http` and
   * `http.paths`), every other part shared with `json`. On the hot path this costs a fraction of
   * a deep copy, and the patch differ skips the shared parts by identity. Neither copy nor input
   * may be modified outside those containers.
   */
  static editableCopy(json: JsonObject): IngressObject {
    // Spread copies own data properties (a `__proto__` key included) without invoking setters.
    const copy: JsonObject = { ...json };
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
    return new IngressObject(copy);
  }

  // ------------------------------------------------------------------------------------------
  // Identity and spec fields
  // ------------------------------------------------------------------------------------------

  /** `metadata.name`, '' when absent or not a string. */
  get name(): string {
    const name = own(this.metadataMap(), 'name');
    return typeof name === 'string' ? name : '';
  }

  /** `apiVersion` when it is a string. */
  get apiVersion(): string | undefined {
    const apiVersion = own(this.json, 'apiVersion');
    return typeof apiVersion === 'string' ? apiVersion : undefined;
  }

  /** `spec.ingressClassName` when it is a string. */
  get ingressClassName(): string | undefined {
    const className = own(this.specMap(), 'ingressClassName');
    return typeof className === 'string' ? className : undefined;
  }

  /** `spec.tls` as written, undefined when absent or null. */
  get tls(): Json | undefined {
    return own(this.specMap(), 'tls') ?? undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Annotations
  // ------------------------------------------------------------------------------------------

  /** One annotation, undefined when absent or not a string. */
  annotation(key: string): string | undefined {
    const value = own(this.annotationMap(), key);
    return typeof value === 'string' ? value : undefined;
  }

  /**
   * A fresh map of the string-valued annotations, `{}` when there are none; values of other
   * types are skipped (the drift guard compares what it can and leaves the rest to the request).
   */
  stringAnnotations(): Record<string, string> {
    const annotations = this.annotationMap();
    const out = newStringMap();
    if (!annotations) return out;
    for (const key of Object.keys(annotations)) {
      const value = annotations[key];
      if (typeof value === 'string') out[key] = value;
    }
    return out;
  }

  /**
   * A fresh map of the annotations to edit and put back with `replaceAnnotations`, `{}` when
   * absent (the controller treats a nil map as empty). Undefined when `metadata` or
   * `metadata.annotations` is present but not a map of strings: such an object is not a valid
   * Ingress, and rewriting it would lose data.
   */
  editableAnnotations(): Record<string, string> | undefined {
    const metadata = own(this.json, 'metadata');
    if (metadata !== undefined && metadata !== null && !isJsonObject(metadata)) return undefined;
    const annotations = own(asObject(metadata), 'annotations');
    if (annotations === undefined || annotations === null) return newStringMap();
    if (!isJsonObject(annotations)) return undefined;
    const out = newStringMap();
    for (const key of Object.keys(annotations)) {
      const value = annotations[key];
      if (typeof value !== 'string') return undefined;
      out[key] = value;
    }
    return out;
  }

  /** Sets (or, with undefined, removes) one annotation, creating the maps it needs. */
  setAnnotation(key: string, value: string | undefined): void {
    const json = this.json;
    const metadata = isJsonObject(own(json, 'metadata'))
      ? (json.metadata as JsonObject)
      : (json.metadata = {});
    if (!isJsonObject(own(metadata, 'annotations'))) metadata.annotations = {};
    const annotations = metadata.annotations as JsonObject;
    if (value === undefined) delete annotations[key];
    else setOwnValue(annotations, key, value);
  }

  /** Replaces `metadata.annotations`, creating `metadata` when needed. */
  replaceAnnotations(annotations: Record<string, string>): void {
    let metadata = this.metadataMap();
    if (!metadata) {
      metadata = {};
      this.json.metadata = metadata;
    }
    metadata.annotations = annotations;
  }

  // ------------------------------------------------------------------------------------------
  // Rules, paths and backends
  // ------------------------------------------------------------------------------------------

  /** `spec.rules`, or [] when absent or malformed. The entries are as written (any JSON). */
  rules(): readonly Json[] {
    const rules = own(this.specMap(), 'rules');
    return Array.isArray(rules) ? rules : [];
  }

  /** True when some rule path has a backend on `service` (the controller's rule check, argo alb.go). */
  hasBackendService(service: string): boolean {
    for (const rule of this.rules()) {
      // Stryker disable next-line ArrayDeclaration: equivalent, a rule without paths reads as [], and a string element would read as a path without a backend
      for (const path of pathsOf(rule) ?? []) if (backendServiceName(path) === service) return true;
    }
    return false;
  }

  /**
   * True when new paths must use the extensions/v1beta1 backend fields. Decided by apiVersion;
   * without one, by whether the object already uses `serviceName`.
   */
  usesLegacyBackends(): boolean {
    const apiVersion = this.apiVersion;
    if (apiVersion !== undefined && apiVersion !== '') return apiVersion.endsWith('/v1beta1');
    for (const rule of this.rules()) {
      // Stryker disable next-line ArrayDeclaration: equivalent, a rule without paths reads as [], and a string element would read as a path without a backend
      for (const path of pathsOf(rule) ?? []) {
        if (own(asObject(own(asObject(path), 'backend')), 'serviceName') !== undefined) return true;
      }
    }
    return false;
  }

  /**
   * Deep copies of the rules with a path on `from`, those paths' backends renamed to `to` in
   * whichever shape they use: the rules of an NGINX canary Ingress (argo nginx.go).
   */
  rulesWithBackendRenamed(from: string, to: string): JsonObject[] {
    const out: JsonObject[] = [];
    for (const rule of this.rules()) {
      // Stryker disable next-line ArrayDeclaration: equivalent, a rule without paths reads as [], and a string element would read as a path without a backend
      if (!isJsonObject(rule) || !(pathsOf(rule) ?? []).some((p) => backendServiceName(p) === from)) continue;
      const copy = cloneJson(rule);
      // Stryker disable next-line ArrayDeclaration: equivalent, the copy has paths (the line above checked)
      for (const path of pathsOf(copy) ?? []) {
        if (backendServiceName(path) === from) renameBackendService(path, to);
      }
      out.push(copy);
    }
    return out;
  }

  /**
   * For each route that no rule path reaches yet, a `/*` path to it with port name
   * use-annotation at index 0 of every rule that has paths, in the backend shape the object
   * uses (argo wrapper.go, CreateAnnotationBasedPath). A rule without `http` or with no paths
   * is left alone: the controller's insertion crashes on it (nil dereference, slice out of
   * range), so there is no behaviour to copy.
   */
  addUseAnnotationPaths(routes: readonly string[]): void {
    // A few routes (the usual case) are looked up by scanning the paths, which stops at the
    // first match; many are looked up in a set of every backend, so the cost stays linear.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, both lookups give the same answer for any count (cost only)
    const reached = routes.length > FEW_ROUTES ? this.backendServices() : undefined;
    const added: string[] = [];
    for (const route of routes) {
      if (reached ? reached.has(route) : added.includes(route) || this.hasBackendService(route)) continue;
      reached?.add(route);
      added.push(route);
    }
    // Equivalent survivor: ConditionalExpression → false: every rule's paths are then written back as they were
    if (added.length === 0) return;
    // Each route's path goes in front of the ones added before it, as one insertion per route would.
    added.reverse();
    const legacy = this.usesLegacyBackends();
    for (const rule of this.rules()) {
      const paths = pathsOf(rule);
      if (!paths || paths.length === 0) continue;
      const written = paths.slice();
      paths.length = 0;
      for (const route of added) paths.push(useAnnotationPath(route, legacy));
      for (const path of written) paths.push(path);
    }
  }

  /**
   * Removes every path whose backend is one of `services`, in every rule. The controller
   * removes the first such path per rule per call (argo wrapper.go, RemovePathByServiceName)
   * and calls again on later reconciles, so "all of them" is the state it converges to.
   */
  removePathsTo(services: ReadonlySet<string>): void {
    // Equivalent survivor: ConditionalExpression → false: every path is then kept (cost only)
    if (services.size === 0) return;
    for (const rule of this.rules()) {
      const paths = pathsOf(rule);
      if (!paths) continue;
      let kept = 0;
      for (const path of paths) {
        const name = backendServiceName(path);
        // Equivalent survivor: ConditionalExpression → false: services.has(undefined) is false too
        if (name === undefined || !services.has(name)) paths[kept++] = path;
      }
      paths.length = kept;
    }
  }

  /**
   * Stable-sorts each rule's paths by the rank of their backend in `routes`, as argo wrapper.go
   * SortHttpPaths does (Array.prototype.sort is stable, as Go's sort.SliceStable): the rank is
   * the name's index in a map filled in route order, so a repeated name ranks by its last
   * index; any other backend ranks at the map's size, the number of distinct names (after every
   * route when the names are distinct, level with some when they repeat). A legacy path without
   * `serviceName` has Go's zero value, "".
   */
  sortPathsByRoute(routes: readonly string[]): void {
    const ranks = new Map<string, number>();
    routes.forEach((name, i) => ranks.set(name, i));
    const rankOf = (path: Json): number => ranks.get(backendServiceName(path) ?? '') ?? ranks.size;
    for (const rule of this.rules()) {
      const paths = pathsOf(rule);
      // Equivalent survivor: ConditionalExpression → false: a single path is in order, and a stable sort leaves it
      if (!paths || paths.length < 2) continue;
      // Re-applied objects are usually in order already; then nothing is built or written.
      // Sorting paths already in order (stable) changes nothing: this check only saves the work.
      let previous = 0;
      // Stryker disable next-line BooleanLiteral: equivalent, false only sorts paths already in order
      let inOrder = true;
      for (const path of paths) {
        const rank = rankOf(path);
        // Stryker disable next-line EqualityOperator: equivalent, <= and >= only sort paths already in order
        // Equivalent survivor: ConditionalExpression → true: only sorts paths already in order, which changes nothing
        if (rank < previous) {
          inOrder = false;
          break;
        }
        previous = rank;
      }
      // Equivalent survivor: ConditionalExpression → false: a stable sort of paths in order changes nothing
      if (inOrder) continue;
      const ranked = paths.map((path) => ({ path, rank: rankOf(path) }));
      ranked.sort((a, b) => a.rank - b.rank);
      for (let i = 0; i < ranked.length; i++) paths[i] = ranked[i]!.path;
    }
  }

  /** Backend Service names of every rule path. */
  // Stryker disable next-line BlockStatement: equivalent, without the set addUseAnnotationPaths scans the paths, with the same answer
  private backendServices(): Set<string> {
    const names = new Set<string>();
    for (const rule of this.rules()) {
      // Stryker disable next-line ArrayDeclaration: equivalent, a rule without paths reads as [], and a string element would read as a path without a backend
      for (const path of pathsOf(rule) ?? []) {
        const name = backendServiceName(path);
        // Equivalent survivor: ConditionalExpression → true: undefined in the set matches no route name
        if (name !== undefined) names.add(name);
      }
    }
    return names;
  }

  // ------------------------------------------------------------------------------------------

  private metadataMap(): JsonObject | undefined {
    return asObject(own(this.json, 'metadata'));
  }

  private annotationMap(): JsonObject | undefined {
    return asObject(own(this.metadataMap(), 'annotations'));
  }

  private specMap(): JsonObject | undefined {
    return asObject(own(this.json, 'spec'));
  }
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

function asObject(value: Json | undefined): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

/** `rule.http.paths` when it is an array; undefined otherwise. */
function pathsOf(rule: Json): Json[] | undefined {
  const paths = own(asObject(own(asObject(rule), 'http')), 'paths');
  return Array.isArray(paths) ? paths : undefined;
}

/** Service name of a path's backend: `backend.service.name` (v1) or `backend.serviceName` (legacy). */
function backendServiceName(path: Json): string | undefined {
  const backend = asObject(own(asObject(path), 'backend'));
  const name = own(asObject(own(backend, 'service')), 'name') ?? own(backend, 'serviceName');
  return typeof name === 'string' ? name : undefined;
}

/** Rename a path's backend Service in place, in whichever shape it uses. */
function renameBackendService(path: Json, name: string): void {
  const backend = asObject(own(asObject(path), 'backend'));
  const service = asObject(own(backend, 'service'));
  if (service && typeof own(service, 'name') === 'string') service.name = name;
  // Reached only for a path whose backend names the Service being renamed, so when service.name
  // is not that string, backend.serviceName is.
  // Equivalent survivor: ConditionalExpression → true: the condition always holds here
  // Equivalent survivor: LogicalOperator → backend || typeof own(backend, 'serviceName') === 'string': the same
  else if (backend && typeof own(backend, 'serviceName') === 'string') backend.serviceName = name;
}

/** The `/*` path that sends a header route's matching requests to its action (argo alb.go). */
function useAnnotationPath(route: string, legacy: boolean): JsonObject {
  const backend: JsonObject = legacy
    ? { serviceName: route, servicePort: USE_ANNOTATION_PORT }
    : { service: { name: route, port: { name: USE_ANNOTATION_PORT } } };
  return { path: '/*', pathType: 'ImplementationSpecific', backend };
}

/** `obj[key] = value` as an own data property, also for `__proto__`, which would set the prototype. */
function setOwnValue(obj: JsonObject, key: string, value: Json): void {
  // Equivalent survivor: ConditionalExpression → true: setOwn makes the same own, enumerable, writable property an assignment does (cost only)
  if (key === '__proto__') setOwn(obj, key, value);
  else obj[key] = value;
}
