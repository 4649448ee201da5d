/**
 * Parsers from Kubernetes wire objects (unknown JSON) to the domain model. They never
 * throw. A field of the wrong type is reported as a `malformed-field` error and read as
 * absent; an object without the identity the model needs (no name) yields no result.
 */
import { CANARY_FIELD, TRAFFIC_ROUTING_FIELD, FieldPath, newFinding } from '../findings/index.js';
import { readGatewayApiPlugin } from './gateway-api-config.js';
import { JsonReader, isJsonObject, newStringMap, own } from './json-reader.js';
import type {
  AlbRouting,
  CanaryStep,
  CanaryStrategy,
  ExperimentTemplateRef,
  Finding,
  HeaderRoutingMatch,
  Ingress,
  IngressBackend,
  IngressClass,
  Json,
  JsonObject,
  MirrorRouteMatch,
  NginxRouting,
  Rollout,
  RolloutStatus,
  Service,
  StringMatch,
  TrafficRouting,
  WeightDestination,
} from '../model.js';
import {
  DEFAULT_ALB_PREFIX,
  DEFAULT_CLASS_ANNOTATION,
  DEFAULT_NGINX_PREFIX,
  MANAGED_BY_ROLLOUTS_ANNOTATION,
  REVISION_ANNOTATION,
} from '../keys.js';

export interface Parsed<T> {
  value?: T;
  findings: Finding[];
}

interface Meta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  /** The metadata object itself, for the annotations (see readAnnotations, annotationValue). */
  metadata: JsonObject | undefined;
}

const METADATA = FieldPath.of('metadata');
const ANNOTATIONS = METADATA.child('annotations');
const SPEC = FieldPath.of('spec');
const STATUS = FieldPath.of('status');

type CanaryScale = NonNullable<CanaryStep['setCanaryScale']>;

// ---------------------------------------------------------------------------------------
// Reading one field of an object
// ---------------------------------------------------------------------------------------
// `r.string(own(obj, key), parent.child(key))` builds the field's path before it looks at the
// value, yet the path is needed only to report a value of the wrong type. These look first
// and leave the report (and the path) to the reader only when the value is not of the type.
// The reader takes every value as the checks below do, so a check that lets nothing through
// (a mutant) changes only the cost: the reader returns the same value, and builds the path.

/** What a field should hold: the test for it, and the reader that reports anything else. */
interface FieldType<T> {
  holds(value: Json): boolean;
  read(r: JsonReader, value: Json, field: FieldPath): T | undefined;
}

const STRING: FieldType<string> = {
  // Stryker disable next-line StringLiteral: equivalent, no value's type is "": r.string reads the string
  // Equivalent survivor: ConditionalExpression → false: r.string reads the string (cost only)
  holds: (value) => typeof value === 'string',
  read: (r, value, field) => r.string(value, field),
};
const INTEGER: FieldType<number> = {
  holds: (value) => Number.isSafeInteger(value),
  read: (r, value, field) => r.integer(value, field),
};
const BOOLEAN: FieldType<boolean> = {
  // Stryker disable next-line StringLiteral: equivalent, no value's type is "": r.boolean reads the boolean
  // Equivalent survivor: ConditionalExpression → false: r.boolean reads the boolean (cost only)
  holds: (value) => typeof value === 'boolean',
  read: (r, value, field) => r.boolean(value, field),
};
const INT_OR_STRING: FieldType<number | string> = {
  // Stryker disable next-line LogicalOperator,StringLiteral: equivalent, the values no longer let through go to r.intOrString, which reads them
  // Equivalent survivor: ConditionalExpression → false: r.intOrString reads the string or integer (cost only)
  holds: (value) => typeof value === 'string' || Number.isSafeInteger(value),
  read: (r, value, field) => r.intOrString(value, field),
};
const OBJECT: FieldType<JsonObject> = {
  holds: isJsonObject,
  read: (r, value, field) => r.object(value, field),
};
const ARRAY: FieldType<Json[]> = {
  holds: (value) => Array.isArray(value),
  read: (r, value, field) => r.array(value, field),
};

/** `obj[key]` as `type` says (absent when null), the path `parent.key` built only to report it. */
function readAt<T>(
  type: FieldType<T>,
  r: JsonReader,
  obj: JsonObject | undefined,
  key: string,
  parent: FieldPath,
): T | undefined {
  const value = own(obj, key);
  // The readers read null and undefined as absent, unreported: the check only spares the path.
  // Stryker disable next-line LogicalOperator: equivalent, the reader reads null and undefined as absent (cost only)
  // Equivalent survivor: ConditionalExpression → false: the reader reads null and undefined as absent (cost only)
  if (value === undefined || value === null) return undefined;
  return type.holds(value) ? (value as T) : type.read(r, value, parent.child(key));
}

/** A list of strings (a copy); anything else in it goes to the reader, which reports it. */
function stringArrayAt(
  r: JsonReader,
  obj: JsonObject | undefined,
  key: string,
  parent: FieldPath,
): string[] | undefined {
  const value = own(obj, key);
  // Stryker disable next-line LogicalOperator: equivalent, r.stringArray reads null and undefined as absent (cost only)
  // Equivalent survivor: ConditionalExpression → false: r.stringArray reads null and undefined as absent (cost only)
  if (value === undefined || value === null) return undefined;
  // r.stringArray copies a list of strings as slice() does, so a check that fails more often costs only time.
  // Stryker disable next-line ArrowFunction,StringLiteral: equivalent, r.stringArray then copies the strings (cost only)
  // Equivalent survivor: ConditionalExpression → false: r.stringArray then copies the strings (cost only)
  if (Array.isArray(value) && value.every((item) => typeof item === 'string'))
    return value.slice() as string[];
  return r.stringArray(value, parent.child(key));
}

/** A map of strings (labels); one with anything but strings in it goes to the reader. */
function stringMapAt(
  r: JsonReader,
  obj: JsonObject | undefined,
  key: string,
  parent: FieldPath,
): Record<string, string> {
  const value = own(obj, key);
  const map = newStringMap();
  // r.stringMap reads null and undefined as an empty map, and copies a map of strings into a new
  // map as this loop does: a mutant that sends more maps to it changes only the cost.
  // Stryker disable next-line LogicalOperator: equivalent, r.stringMap reads null and undefined as an empty map
  // Equivalent survivor: ConditionalExpression → false: r.stringMap reads null and undefined as an empty map
  if (value === undefined || value === null) return map;
  // Stryker disable next-line BlockStatement: equivalent, r.stringMap copies the map of strings (cost only)
  // Equivalent survivor: ConditionalExpression → false: r.stringMap copies the map of strings (cost only)
  if (isJsonObject(value)) {
    // Stryker disable next-line BooleanLiteral: equivalent, r.stringMap copies the map of strings (cost only)
    let allStrings = true;
    // entries, not keys: Object.keys builds the hidden class's enum cache, in the old
    // generation, and an annotation map's keys name Services, so nearly every parsed map has
    // a hidden class of its own (docs/benchmarks.md, ninth pass).
    for (const [k, item] of Object.entries(value)) {
      // Stryker disable next-line StringLiteral: equivalent, r.stringMap copies the map of strings (cost only)
      // Equivalent survivor: ConditionalExpression → true: r.stringMap copies the map of strings (cost only)
      if (typeof item !== 'string') {
        allStrings = false;
        break;
      }
      map[k] = item;
    }
    // Equivalent survivor: ConditionalExpression → false: r.stringMap copies the map of strings (cost only)
    if (allStrings) return map;
  }
  return r.stringMap(value, parent.child(key));
}

function readMeta(r: JsonReader, obj: JsonObject): Meta | undefined {
  const metadata = r.object(own(obj, 'metadata'), METADATA);
  const name = readAt(STRING, r, metadata, 'name', METADATA);
  if (!name) {
    const nameField = METADATA.child('name');
    r.problems.push(newFinding('missing-name', nameField, `${nameField} is required`));
    return undefined;
  }
  return {
    name,
    namespace: readAt(STRING, r, metadata, 'namespace', METADATA) ?? 'default',
    uid: readAt(STRING, r, metadata, 'uid', METADATA),
    generation: readAt(INTEGER, r, metadata, 'generation', METADATA),
    metadata,
  };
}

/** All annotations; read right after readMeta, so that problems keep the object's order. */
function readAnnotations(r: JsonReader, meta: Meta): Record<string, string> {
  return stringMapAt(r, meta.metadata, 'annotations', METADATA);
}

/**
 * One annotation's value, every annotation checked as readAnnotations checks it (the same
 * problems, in the same order) without building the map.
 */
function annotationValue(r: JsonReader, metadata: JsonObject | undefined, key: string): string | undefined {
  const annotations = own(metadata, 'annotations');
  // Stryker disable next-line LogicalOperator: equivalent, r.object reads null and undefined as absent, unreported
  // Equivalent survivor: ConditionalExpression → false: r.object reads null and undefined as absent, unreported
  if (annotations === undefined || annotations === null) return undefined;
  if (!isJsonObject(annotations)) return void r.object(annotations, ANNOTATIONS);
  let found: string | undefined;
  for (const name of Object.keys(annotations)) {
    const value = annotations[name];
    if (typeof value === 'string') {
      if (name === key) found = value;
      // Equivalent survivor: LogicalOperator → value !== undefined || value !== null: r.string reads null and undefined as absent, unreported
      // Equivalent survivor: ConditionalExpression → true: r.string reads null and undefined as absent, unreported
    } else if (value !== undefined && value !== null) {
      r.string(value, ANNOTATIONS.key(name));
    }
  }
  return found;
}

/** `aKind` names the kind with its article ("an Ingress"), as the message reads. */
function topObject(r: JsonReader, obj: unknown, aKind: string): JsonObject | undefined {
  if (isJsonObject(obj)) return obj;
  r.problems.push(newFinding('malformed-object', FieldPath.WHOLE_OBJECT, `${aKind} must be a JSON object`));
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Service, IngressClass
// ---------------------------------------------------------------------------------------

const SERVICE_PORTS_FIELD = SPEC.child('ports');

export function parseService(obj: unknown): Parsed<Service> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'a Service');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const managedBy = annotationValue(r, meta.metadata, MANAGED_BY_ROLLOUTS_ANNOTATION);
  const spec = r.object(own(top, 'spec'), SPEC);
  const ports: Service['ports'] = [];
  readAt(ARRAY, r, spec, 'ports', SPEC)?.forEach((item, i) => {
    const p = isJsonObject(item) ? item : r.object(item, SERVICE_PORTS_FIELD.index(i));
    const port = readAt(INTEGER, r, p, 'port', SERVICE_PORTS_FIELD.index(i));
    if (port === undefined) return;
    const name = readAt(STRING, r, p, 'name', SERVICE_PORTS_FIELD.index(i));
    ports.push(name ? { name, port } : { port });
  });
  const service: Service = { namespace: meta.namespace, name: meta.name, ports };
  // Kept only when it selects something: the cache holds one projection per Service.
  const selector = stringMapAt(r, spec, 'selector', SPEC);
  if (Object.keys(selector).length > 0) service.selector = selector;
  if (managedBy !== undefined) service.managedByRollout = managedBy;
  return { value: service, findings: r.problems };
}

export function parseIngressClass(obj: unknown): Parsed<IngressClass> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'an IngressClass');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const isDefault = annotationValue(r, meta.metadata, DEFAULT_CLASS_ANNOTATION) === 'true';
  const spec = r.object(own(top, 'spec'), SPEC);
  return {
    value: {
      name: meta.name,
      controller: readAt(STRING, r, spec, 'controller', SPEC) ?? '',
      isDefault,
    },
    findings: r.problems,
  };
}

// ---------------------------------------------------------------------------------------
// Ingress
// ---------------------------------------------------------------------------------------

/** Values nearly every Ingress repeats: one copy each instead of one per cached path. */
const COMMON_VALUES = new Map<string | undefined, string>(
  ['use-annotation', 'Prefix', 'Exact', 'ImplementationSpecific', 'http', 'https'].map((v) => [v, v]),
);

function shared(value: string | undefined): string | undefined {
  return COMMON_VALUES.get(value) ?? value;
}

function readBackend(
  r: JsonReader,
  value: unknown,
  field: FieldPath,
  where: Pick<IngressBackend, 'ruleIndex' | 'pathIndex' | 'host' | 'path' | 'pathType'>,
): IngressBackend | undefined {
  const backend = r.object(value, field);
  if (!backend) return undefined;
  const result: IngressBackend = {
    ...where,
    legacyFields: false,
    resource: own(backend, 'resource') != null,
  };
  const service = readAt(OBJECT, r, backend, 'service', field);
  if (service) {
    const serviceField = field.child('service');
    result.serviceName = readAt(STRING, r, service, 'name', serviceField);
    const port = readAt(OBJECT, r, service, 'port', serviceField);
    // Without a port object both read as absent, and no path below it is needed.
    const portField = port ? serviceField.child('port') : serviceField;
    result.portName = shared(readAt(STRING, r, port, 'name', portField));
    result.portNumber = readAt(INTEGER, r, port, 'number', portField);
  } else if (own(backend, 'serviceName') !== undefined || own(backend, 'servicePort') !== undefined) {
    result.legacyFields = true;
    result.serviceName = readAt(STRING, r, backend, 'serviceName', field);
    const port = readAt(INT_OR_STRING, r, backend, 'servicePort', field);
    if (typeof port === 'string') result.portName = shared(port);
    else if (typeof port === 'number') result.portNumber = port;
  }
  return result;
}

const INGRESS_RULES_FIELD = SPEC.child('rules');

export function parseIngress(obj: unknown): Parsed<Ingress> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'an Ingress');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const annotations = readAnnotations(r, meta);
  const spec = r.object(own(top, 'spec'), SPEC);
  const backends: IngressBackend[] = [];
  const defaultBackend = readBackend(
    r,
    own(spec, 'defaultBackend') ?? own(spec, 'backend'),
    SPEC.child(own(spec, 'defaultBackend') !== undefined ? 'defaultBackend' : 'backend'),
    { ruleIndex: -1, pathIndex: -1 },
  );
  if (defaultBackend) backends.push(defaultBackend);
  readAt(ARRAY, r, spec, 'rules', SPEC)?.forEach((ruleValue, ruleIndex) => {
    const ruleField = INGRESS_RULES_FIELD.index(ruleIndex);
    const rule = r.object(ruleValue, ruleField);
    const host = readAt(STRING, r, rule, 'host', ruleField);
    const http = readAt(OBJECT, r, rule, 'http', ruleField);
    const paths = http && readAt(ARRAY, r, http, 'paths', ruleField.child('http'));
    if (!paths) return;
    const pathsField = ruleField.child('http', 'paths');
    paths.forEach((pathValue, pathIndex) => {
      const field = pathsField.index(pathIndex);
      const p = r.object(pathValue, field);
      const where = {
        ruleIndex,
        pathIndex,
        host,
        path: readAt(STRING, r, p, 'path', field),
        pathType: shared(readAt(STRING, r, p, 'pathType', field)),
      };
      const backendValue = own(p, 'backend');
      const backend =
        // Stryker disable next-line LogicalOperator: equivalent, readBackend reads null and undefined as no backend, unreported
        // Equivalent survivor: ConditionalExpression → false: readBackend reads null and undefined as no backend, unreported
        backendValue === undefined || backendValue === null
          ? undefined
          : readBackend(r, backendValue, field.child('backend'), where);
      if (backend) backends.push(backend);
    });
  });
  return {
    value: {
      namespace: meta.namespace,
      name: meta.name,
      annotations,
      ingressClassName: readAt(STRING, r, spec, 'ingressClassName', SPEC),
      backends,
    },
    findings: r.problems,
  };
}

// ---------------------------------------------------------------------------------------
// Rollout
// ---------------------------------------------------------------------------------------
// A Rollout is parsed on every review of the validating hook, and most of its fields are
// absent or well typed, so its readers go through the `…At` functions above: a field's path
// is built only when there is something to report about it, or a field below it to read.

const STEPS_FIELD = CANARY_FIELD.child('steps');
const PING_PONG_FIELD = CANARY_FIELD.child('pingPong');
const ALB_FIELD = TRAFFIC_ROUTING_FIELD.child('alb');
const NGINX_FIELD = TRAFFIC_ROUTING_FIELD.child('nginx');
const MANAGED_ROUTES_FIELD = TRAFFIC_ROUTING_FIELD.child('managedRoutes');
const STATUS_CANARY_FIELD = STATUS.child('canary');
const WEIGHTS_FIELD = STATUS_CANARY_FIELD.child('weights');
const TEMPLATE_FIELD = SPEC.child('template');
const TEMPLATE_METADATA_FIELD = TEMPLATE_FIELD.child('metadata');
const KNOWN_TRAFFIC_FIELDS = new Set(['alb', 'nginx', 'maxTrafficWeight', 'managedRoutes', 'istio']);

function readStringMatch(r: JsonReader, value: unknown, field: FieldPath): StringMatch | undefined {
  const obj = r.object(value, field);
  if (!obj) return undefined;
  const match: StringMatch = {};
  const exact = readAt(STRING, r, obj, 'exact', field);
  const prefix = readAt(STRING, r, obj, 'prefix', field);
  const regex = readAt(STRING, r, obj, 'regex', field);
  if (exact !== undefined) match.exact = exact;
  if (prefix !== undefined) match.prefix = prefix;
  if (regex !== undefined) match.regex = regex;
  return match;
}

function readAlb(r: JsonReader, value: Json | undefined): AlbRouting | undefined {
  const field = ALB_FIELD;
  const alb = r.object(value, field);
  if (!alb) return undefined;
  const sticky = readAt(OBJECT, r, alb, 'stickinessConfig', field);
  const routing: AlbRouting = {
    ingress: readAt(STRING, r, alb, 'ingress', field),
    ingresses: stringArrayAt(r, alb, 'ingresses', field),
    servicePort: readAt(INTEGER, r, alb, 'servicePort', field) ?? 0,
    rootService: readAt(STRING, r, alb, 'rootService', field),
    annotationPrefix: readAt(STRING, r, alb, 'annotationPrefix', field) || DEFAULT_ALB_PREFIX,
  };
  if (sticky) {
    const stickyField = field.child('stickinessConfig');
    routing.stickinessConfig = {
      enabled: readAt(BOOLEAN, r, sticky, 'enabled', stickyField) ?? false,
      durationSeconds: readAt(INTEGER, r, sticky, 'durationSeconds', stickyField) ?? 0,
    };
  }
  return routing;
}

function readNginx(r: JsonReader, value: Json | undefined): NginxRouting | undefined {
  const field = NGINX_FIELD;
  const nginx = r.object(value, field);
  if (!nginx) return undefined;
  return {
    stableIngress: readAt(STRING, r, nginx, 'stableIngress', field),
    stableIngresses: stringArrayAt(r, nginx, 'stableIngresses', field),
    annotationPrefix: readAt(STRING, r, nginx, 'annotationPrefix', field) || DEFAULT_NGINX_PREFIX,
    additionalIngressAnnotations: stringMapAt(r, nginx, 'additionalIngressAnnotations', field),
    canaryIngressAnnotations: stringMapAt(r, nginx, 'canaryIngressAnnotations', field),
  };
}

/**
 * Whether a router field counts as set. Argo Rollouts tests `plugins` by `len(Plugins) == 0`
 * (argoproj/argo-rollouts master 9f8d111, pkg/apis/rollouts/validation/validation.go), so an
 * empty map routes nothing; the other routers by `!= nil`.
 */
function isRouterSet(field: string, value: Json | undefined): boolean {
  if (value == null) return false;
  return field !== 'plugins' || (isJsonObject(value) && Object.keys(value).length > 0);
}

/** The routers Argo Rollouts reads that the model has no field of its own for, in key order. */
function otherProviders(tr: JsonObject): string[] {
  const names: string[] = [];
  for (const key of Object.keys(tr)) {
    if (!KNOWN_TRAFFIC_FIELDS.has(key) && isRouterSet(key, tr[key])) names.push(key);
  }
  return names;
}

function readManagedRoutes(r: JsonReader, items: Json[]): string[] {
  const names: string[] = [];
  items.forEach((item, i) => {
    const entry = isJsonObject(item) ? item : r.object(item, MANAGED_ROUTES_FIELD.index(i));
    const name = entry && readAt(STRING, r, entry, 'name', MANAGED_ROUTES_FIELD.index(i));
    if (name !== undefined) names.push(name);
  });
  return names;
}

function readTrafficRouting(r: JsonReader, value: unknown): TrafficRouting | undefined {
  const field = TRAFFIC_ROUTING_FIELD;
  const tr = r.object(value, field);
  if (!tr) return undefined;
  const routing: TrafficRouting = {
    alb: readAlb(r, own(tr, 'alb')),
    nginx: readNginx(r, own(tr, 'nginx')),
    otherProviders: otherProviders(tr),
    istioDestinationRule: false,
    maxTrafficWeight: readAt(INTEGER, r, tr, 'maxTrafficWeight', field),
  };
  // Without a plugins object there is nothing to read, and nothing to report.
  const plugins = own(tr, 'plugins');
  // Equivalent survivor: ConditionalExpression → false: readGatewayApiPlugin reads null as no config, unreported
  const gatewayApi = plugins == null ? undefined : readGatewayApiPlugin(r, plugins, field.child('plugins'));
  if (gatewayApi) routing.gatewayApi = gatewayApi;
  const istio = readAt(OBJECT, r, tr, 'istio', field);
  if (istio) {
    routing.otherProviders.unshift('istio');
    routing.istioDestinationRule = own(istio, 'destinationRule') != null;
  }
  const managed = readAt(ARRAY, r, tr, 'managedRoutes', field);
  if (managed) routing.managedRoutes = readManagedRoutes(r, managed);
  return routing;
}

function readHeaderMatches(r: JsonReader, value: unknown, field: FieldPath): HeaderRoutingMatch[] | null {
  const items = r.array(value, field);
  if (items === undefined) return null;
  const matches: HeaderRoutingMatch[] = [];
  items.forEach((item, j) => {
    const at = field.index(j);
    const m = r.object(item, at);
    if (!m) return;
    const headerValue = own(m, 'headerValue');
    matches.push({
      headerName: readAt(STRING, r, m, 'headerName', at) ?? '',
      headerValue:
        // Equivalent survivor: ConditionalExpression → false: readStringMatch reads null as no match, unreported (then ?? null)
        headerValue == null ? null : (readStringMatch(r, headerValue, at.child('headerValue')) ?? null),
    });
  });
  return matches;
}

function readMirrorMatches(r: JsonReader, value: unknown, field: FieldPath): MirrorRouteMatch[] | null {
  const items = r.array(value, field);
  if (items === undefined) return null;
  return items.flatMap((item, j) => {
    const at = field.index(j);
    const m = r.object(item, at);
    if (!m) return [];
    const match: MirrorRouteMatch = {};
    const method = readStringMatch(r, own(m, 'method'), at.child('method'));
    const path = readStringMatch(r, own(m, 'path'), at.child('path'));
    if (method) match.method = method;
    if (path) match.path = path;
    const headers = r.object(own(m, 'headers'), at.child('headers'));
    if (headers) {
      match.headers = {};
      for (const [name, v] of Object.entries(headers)) {
        const sm = readStringMatch(r, v, at.child('headers').child(name));
        if (sm) match.headers[name] = sm;
      }
    }
    return [match];
  });
}

function readExperimentTemplates(r: JsonReader, items: Json[], field: FieldPath): ExperimentTemplateRef[] {
  return items.map((t, k): ExperimentTemplateRef => {
    const tf = field.index(k);
    const tmpl = r.object(t, tf);
    const weight = readAt(INTEGER, r, tmpl, 'weight', tf);
    const name = readAt(STRING, r, tmpl, 'name', tf) ?? '';
    return weight === undefined ? { name } : { name, weight };
  });
}

function readCanaryScale(r: JsonReader, scale: JsonObject, field: FieldPath): CanaryScale {
  const out: CanaryScale = {};
  const replicas = readAt(INTEGER, r, scale, 'replicas', field);
  const weight = readAt(INTEGER, r, scale, 'weight', field);
  const match = readAt(BOOLEAN, r, scale, 'matchTrafficWeight', field);
  if (replicas !== undefined) out.replicas = replicas;
  if (weight !== undefined) out.weight = weight;
  if (match !== undefined) out.matchTrafficWeight = match;
  return out;
}

function readStep(r: JsonReader, value: unknown, i: number): CanaryStep {
  const field = STEPS_FIELD.index(i);
  // A step that is not an object reads as {}: every read below then finds nothing.
  const s = r.object(value, field);
  const step: CanaryStep = {};
  const setWeight = readAt(INTEGER, r, s, 'setWeight', field);
  if (setWeight !== undefined) step.setWeight = setWeight;
  if (own(s, 'pause') != null) {
    const pauseField = field.child('pause');
    const pause = r.object(own(s, 'pause'), pauseField);
    const duration = readAt(INT_OR_STRING, r, pause, 'duration', pauseField);
    step.pause = duration === undefined ? {} : { duration };
  }
  const experiment = readAt(OBJECT, r, s, 'experiment', field);
  if (experiment) {
    const templatesField = field.child('experiment', 'templates');
    const templates = r.array(own(experiment, 'templates'), templatesField) ?? [];
    step.experiment = { templates: readExperimentTemplates(r, templates, templatesField) };
  }
  const analysis = readAt(OBJECT, r, s, 'analysis', field);
  if (analysis) step.analysis = analysis;
  const scale = readAt(OBJECT, r, s, 'setCanaryScale', field);
  if (scale) step.setCanaryScale = readCanaryScale(r, scale, field.child('setCanaryScale'));
  const header = readAt(OBJECT, r, s, 'setHeaderRoute', field);
  if (header) {
    const headerField = field.child('setHeaderRoute');
    step.setHeaderRoute = {
      name: readAt(STRING, r, header, 'name', headerField) ?? '',
      match: readHeaderMatches(r, own(header, 'match'), headerField.child('match')),
    };
  }
  const mirror = readAt(OBJECT, r, s, 'setMirrorRoute', field);
  if (mirror) {
    const mirrorField = field.child('setMirrorRoute');
    step.setMirrorRoute = {
      name: readAt(STRING, r, mirror, 'name', mirrorField) ?? '',
      match: readMirrorMatches(r, own(mirror, 'match'), mirrorField.child('match')),
    };
    const pct = readAt(INTEGER, r, mirror, 'percentage', mirrorField);
    if (pct !== undefined) step.setMirrorRoute.percentage = pct;
  }
  const plugin = readAt(OBJECT, r, s, 'plugin', field);
  if (plugin) step.plugin = plugin;
  return step;
}

function readSteps(r: JsonReader, items: Json[] | undefined): CanaryStep[] {
  const steps: CanaryStep[] = [];
  if (items) for (let i = 0; i < items.length; i++) steps.push(readStep(r, items[i], i));
  return steps;
}

function readCanary(r: JsonReader, value: unknown): CanaryStrategy | undefined {
  const field = CANARY_FIELD;
  const c = r.object(value, field);
  if (!c) return undefined;
  const pingPong = readAt(OBJECT, r, c, 'pingPong', field);
  const strategy: CanaryStrategy = {
    stableService: readAt(STRING, r, c, 'stableService', field),
    canaryService: readAt(STRING, r, c, 'canaryService', field),
    dynamicStableScale: readAt(BOOLEAN, r, c, 'dynamicStableScale', field) ?? false,
    scaleDownDelaySeconds: readAt(INTEGER, r, c, 'scaleDownDelaySeconds', field),
    abortScaleDownDelaySeconds: readAt(INTEGER, r, c, 'abortScaleDownDelaySeconds', field),
    maxSurge: readAt(INT_OR_STRING, r, c, 'maxSurge', field),
    maxUnavailable: readAt(INT_OR_STRING, r, c, 'maxUnavailable', field),
    trafficRouting: readTrafficRouting(r, own(c, 'trafficRouting')),
    steps: readSteps(r, r.array(own(c, 'steps'), STEPS_FIELD)),
  };
  if (pingPong) {
    strategy.pingPong = {
      pingService: readAt(STRING, r, pingPong, 'pingService', PING_PONG_FIELD),
      pongService: readAt(STRING, r, pingPong, 'pongService', PING_PONG_FIELD),
    };
  }
  return strategy;
}

function readDestination(r: JsonReader, value: unknown, field: FieldPath): WeightDestination | undefined {
  const d = r.object(value, field);
  if (!d) return undefined;
  const dest: WeightDestination = {
    serviceName: readAt(STRING, r, d, 'serviceName', field) ?? '',
    weight: readAt(INTEGER, r, d, 'weight', field) ?? 0,
  };
  const hash = readAt(STRING, r, d, 'podTemplateHash', field);
  if (hash !== undefined) dest.podTemplateHash = hash;
  return dest;
}

/** A destination under `status.canary.weights`, its path built only when it is there. */
function destinationAt(
  r: JsonReader,
  weights: JsonObject | undefined,
  key: string,
): WeightDestination | undefined {
  const value = own(weights, key);
  // Equivalent survivor: ConditionalExpression → false: readDestination reads null and undefined as no destination, unreported
  return value == null ? undefined : readDestination(r, value, WEIGHTS_FIELD.child(key));
}

function readStatus(r: JsonReader, value: unknown): RolloutStatus {
  const s = r.object(value, STATUS);
  const canary = readAt(OBJECT, r, s, 'canary', STATUS);
  const status: RolloutStatus = {
    currentStepIndex: readAt(INTEGER, r, s, 'currentStepIndex', STATUS),
    stableRS: readAt(STRING, r, s, 'stableRS', STATUS),
    currentPodHash: readAt(STRING, r, s, 'currentPodHash', STATUS),
    abort: readAt(BOOLEAN, r, s, 'abort', STATUS) ?? false,
    promoteFull: readAt(BOOLEAN, r, s, 'promoteFull', STATUS) ?? false,
    stablePingPong: readAt(STRING, r, canary, 'stablePingPong', STATUS_CANARY_FIELD),
  };
  // Without a weights object both destinations read as undefined: no separate check for it.
  const weights = readAt(OBJECT, r, canary, 'weights', STATUS_CANARY_FIELD);
  const canaryDest = destinationAt(r, weights, 'canary');
  const stableDest = destinationAt(r, weights, 'stable');
  if (canaryDest && stableDest) {
    const additionalField = WEIGHTS_FIELD.child('additional');
    const additional = (r.array(own(weights, 'additional'), additionalField) ?? []).flatMap(
      (d: Json, i) => readDestination(r, d, additionalField.index(i)) ?? [],
    );
    status.weights = { canary: canaryDest, stable: stableDest, additional };
  }
  return status;
}

/**
 * The pod template's labels; undefined when there is no template to read (it comes from
 * `spec.workloadRef`, or the manifest has none), so no check leans on labels it cannot see.
 */
function readPodLabels(r: JsonReader, spec: JsonObject | undefined): Record<string, string> | undefined {
  if (own(spec, 'workloadRef') != null) return undefined;
  const template = readAt(OBJECT, r, spec, 'template', SPEC);
  if (!template) return undefined;
  const meta = readAt(OBJECT, r, template, 'metadata', TEMPLATE_FIELD);
  return stringMapAt(r, meta, 'labels', TEMPLATE_METADATA_FIELD);
}

export function parseRollout(obj: unknown): Parsed<Rollout> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'a Rollout');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const revisionText = annotationValue(r, meta.metadata, REVISION_ANNOTATION);
  const spec = r.object(own(top, 'spec'), SPEC);
  const strategy = readAt(OBJECT, r, spec, 'strategy', SPEC);
  const revision = revisionText?.match(/^\d+$/) ? Number(revisionText) : undefined;
  const rollout: Rollout = {
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    generation: meta.generation,
    revision,
    podLabels: readPodLabels(r, spec),
    canary: readCanary(r, own(strategy, 'canary')),
    status: readStatus(r, own(top, 'status')),
  };
  return { value: rollout, findings: r.problems };
}
