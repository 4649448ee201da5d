/**
 * Parsers from Kubernetes wire objects (unknown JSON) to the domain model. They never
 * throw. A field of the wrong type is reported as a `malformed-field` error and read as
 * absent; an object without the identity the model needs (no name) yields no result.
 */
import { CANARY_FIELD, TRAFFIC_ROUTING_FIELD, FieldPath, newFinding } from '../findings/index.js';
import { readGatewayApiPlugin } from './gateway-api-config.js';
import { JsonReader, isJsonObject, own } from './json-reader.js';
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
  annotations: Record<string, string>;
}

const METADATA = FieldPath.of('metadata');
const SPEC = FieldPath.of('spec');
const STATUS = FieldPath.of('status');

function readMeta(r: JsonReader, obj: JsonObject): Meta | undefined {
  const meta = r.object(own(obj, 'metadata'), METADATA);
  const nameField = METADATA.child('name');
  const name = r.string(own(meta, 'name'), nameField);
  if (!name) {
    r.problems.push(newFinding('missing-name', nameField, `${nameField} is required`));
    return undefined;
  }
  return {
    name,
    namespace: r.string(own(meta, 'namespace'), METADATA.child('namespace')) ?? 'default',
    uid: r.string(own(meta, 'uid'), METADATA.child('uid')),
    generation: r.integer(own(meta, 'generation'), METADATA.child('generation')),
    annotations: r.stringMap(own(meta, 'annotations'), METADATA.child('annotations')),
  };
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

export function parseService(obj: unknown): Parsed<Service> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'a Service');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const spec = r.object(own(top, 'spec'), SPEC);
  const portsField = SPEC.child('ports');
  const ports = (r.array(own(spec, 'ports'), portsField) ?? []).flatMap((item, i) => {
    const field = portsField.index(i);
    const p = r.object(item, field);
    const port = r.integer(own(p, 'port'), field.child('port'));
    if (port === undefined) return [];
    const name = r.string(own(p, 'name'), field.child('name'));
    return [name ? { name, port } : { port }];
  });
  const service: Service = { namespace: meta.namespace, name: meta.name, ports };
  // Kept only when it selects something: the cache holds one projection per Service.
  const selector = r.stringMap(own(spec, 'selector'), SPEC.child('selector'));
  if (Object.keys(selector).length > 0) service.selector = selector;
  const managedBy = meta.annotations[MANAGED_BY_ROLLOUTS_ANNOTATION];
  if (managedBy !== undefined) service.managedByRollout = managedBy;
  return { value: service, findings: r.problems };
}

export function parseIngressClass(obj: unknown): Parsed<IngressClass> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'an IngressClass');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const spec = r.object(own(top, 'spec'), SPEC);
  return {
    value: {
      name: meta.name,
      controller: r.string(own(spec, 'controller'), SPEC.child('controller')) ?? '',
      isDefault: meta.annotations[DEFAULT_CLASS_ANNOTATION] === 'true',
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
  const serviceField = field.child('service');
  const service = r.object(own(backend, 'service'), serviceField);
  if (service) {
    result.serviceName = r.string(own(service, 'name'), serviceField.child('name'));
    const portField = serviceField.child('port');
    const port = r.object(own(service, 'port'), portField);
    result.portName = shared(r.string(own(port, 'name'), portField.child('name')));
    result.portNumber = r.integer(own(port, 'number'), portField.child('number'));
  } else if (own(backend, 'serviceName') !== undefined || own(backend, 'servicePort') !== undefined) {
    result.legacyFields = true;
    result.serviceName = r.string(own(backend, 'serviceName'), field.child('serviceName'));
    const port = r.intOrString(own(backend, 'servicePort'), field.child('servicePort'));
    if (typeof port === 'string') result.portName = shared(port);
    else if (typeof port === 'number') result.portNumber = port;
  }
  return result;
}

export function parseIngress(obj: unknown): Parsed<Ingress> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'an Ingress');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const spec = r.object(own(top, 'spec'), SPEC);
  const backends: IngressBackend[] = [];
  const defaultBackend = readBackend(
    r,
    own(spec, 'defaultBackend') ?? own(spec, 'backend'),
    SPEC.child(own(spec, 'defaultBackend') !== undefined ? 'defaultBackend' : 'backend'),
    { ruleIndex: -1, pathIndex: -1 },
  );
  if (defaultBackend) backends.push(defaultBackend);
  const rulesField = SPEC.child('rules');
  (r.array(own(spec, 'rules'), rulesField) ?? []).forEach((ruleValue, ruleIndex) => {
    const ruleField = rulesField.index(ruleIndex);
    const rule = r.object(ruleValue, ruleField);
    const host = r.string(own(rule, 'host'), ruleField.child('host'));
    const http = r.object(own(rule, 'http'), ruleField.child('http'));
    const pathsField = ruleField.child('http', 'paths');
    const paths = r.array(own(http, 'paths'), pathsField) ?? [];
    paths.forEach((pathValue, pathIndex) => {
      const field = pathsField.index(pathIndex);
      const p = r.object(pathValue, field);
      const where = {
        ruleIndex,
        pathIndex,
        host,
        path: r.string(own(p, 'path'), field.child('path')),
        pathType: shared(r.string(own(p, 'pathType'), field.child('pathType'))),
      };
      const backend = readBackend(r, own(p, 'backend'), field.child('backend'), where);
      if (backend) backends.push(backend);
    });
  });
  return {
    value: {
      namespace: meta.namespace,
      name: meta.name,
      annotations: meta.annotations,
      ingressClassName: r.string(own(spec, 'ingressClassName'), SPEC.child('ingressClassName')),
      backends,
    },
    findings: r.problems,
  };
}

// ---------------------------------------------------------------------------------------
// Rollout
// ---------------------------------------------------------------------------------------

const STEPS_FIELD = CANARY_FIELD.child('steps');
const KNOWN_TRAFFIC_FIELDS = new Set(['alb', 'nginx', 'maxTrafficWeight', 'managedRoutes', 'istio']);

function readStringMatch(r: JsonReader, value: unknown, field: FieldPath): StringMatch | undefined {
  const obj = r.object(value, field);
  if (!obj) return undefined;
  const match: StringMatch = {};
  const exact = r.string(own(obj, 'exact'), field.child('exact'));
  const prefix = r.string(own(obj, 'prefix'), field.child('prefix'));
  const regex = r.string(own(obj, 'regex'), field.child('regex'));
  if (exact !== undefined) match.exact = exact;
  if (prefix !== undefined) match.prefix = prefix;
  if (regex !== undefined) match.regex = regex;
  return match;
}

function readAlb(r: JsonReader, value: unknown, field: FieldPath): AlbRouting | undefined {
  const alb = r.object(value, field);
  if (!alb) return undefined;
  const sticky = r.object(own(alb, 'stickinessConfig'), field.child('stickinessConfig'));
  const routing: AlbRouting = {
    ingress: r.string(own(alb, 'ingress'), field.child('ingress')),
    ingresses: r.stringArray(own(alb, 'ingresses'), field.child('ingresses')),
    servicePort: r.integer(own(alb, 'servicePort'), field.child('servicePort')) ?? 0,
    rootService: r.string(own(alb, 'rootService'), field.child('rootService')),
    annotationPrefix:
      r.string(own(alb, 'annotationPrefix'), field.child('annotationPrefix')) || DEFAULT_ALB_PREFIX,
  };
  if (sticky) {
    routing.stickinessConfig = {
      enabled: r.boolean(own(sticky, 'enabled'), field.child('stickinessConfig', 'enabled')) ?? false,
      durationSeconds:
        r.integer(own(sticky, 'durationSeconds'), field.child('stickinessConfig', 'durationSeconds')) ?? 0,
    };
  }
  return routing;
}

function readNginx(r: JsonReader, value: unknown, field: FieldPath): NginxRouting | undefined {
  const nginx = r.object(value, field);
  if (!nginx) return undefined;
  return {
    stableIngress: r.string(own(nginx, 'stableIngress'), field.child('stableIngress')),
    stableIngresses: r.stringArray(own(nginx, 'stableIngresses'), field.child('stableIngresses')),
    annotationPrefix:
      r.string(own(nginx, 'annotationPrefix'), field.child('annotationPrefix')) || DEFAULT_NGINX_PREFIX,
    additionalIngressAnnotations: r.stringMap(
      own(nginx, 'additionalIngressAnnotations'),
      field.child('additionalIngressAnnotations'),
    ),
    canaryIngressAnnotations: r.stringMap(
      own(nginx, 'canaryIngressAnnotations'),
      field.child('canaryIngressAnnotations'),
    ),
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

function readTrafficRouting(r: JsonReader, value: unknown): TrafficRouting | undefined {
  const field = TRAFFIC_ROUTING_FIELD;
  const tr = r.object(value, field);
  if (!tr) return undefined;
  const routing: TrafficRouting = {
    alb: readAlb(r, own(tr, 'alb'), field.child('alb')),
    nginx: readNginx(r, own(tr, 'nginx'), field.child('nginx')),
    otherProviders: Object.keys(tr).filter((k) => !KNOWN_TRAFFIC_FIELDS.has(k) && isRouterSet(k, tr[k])),
    istioDestinationRule: false,
    maxTrafficWeight: r.integer(own(tr, 'maxTrafficWeight'), field.child('maxTrafficWeight')),
  };
  const gatewayApi = readGatewayApiPlugin(r, own(tr, 'plugins'), field.child('plugins'));
  if (gatewayApi) routing.gatewayApi = gatewayApi;
  const istio = r.object(own(tr, 'istio'), field.child('istio'));
  if (istio) {
    routing.otherProviders.unshift('istio');
    routing.istioDestinationRule = own(istio, 'destinationRule') != null;
  }
  const managed = r.array(own(tr, 'managedRoutes'), field.child('managedRoutes'));
  if (managed) {
    routing.managedRoutes = managed.flatMap((item, i) => {
      const name = r.string(
        own(r.object(item, field.child('managedRoutes').index(i)), 'name'),
        field.child('managedRoutes').index(i).child('name'),
      );
      return name === undefined ? [] : [name];
    });
  }
  return routing;
}

function readHeaderMatches(r: JsonReader, value: unknown, field: FieldPath): HeaderRoutingMatch[] | null {
  const items = r.array(value, field);
  if (items === undefined) return null;
  return items.flatMap((item, j) => {
    const m = r.object(item, field.index(j));
    if (!m) return [];
    return [
      {
        headerName: r.string(own(m, 'headerName'), field.index(j).child('headerName')) ?? '',
        headerValue: readStringMatch(r, own(m, 'headerValue'), field.index(j).child('headerValue')) ?? null,
      },
    ];
  });
}

function readMirrorMatches(r: JsonReader, value: unknown, field: FieldPath): MirrorRouteMatch[] | null {
  const items = r.array(value, field);
  if (items === undefined) return null;
  return items.flatMap((item, j) => {
    const m = r.object(item, field.index(j));
    if (!m) return [];
    const match: MirrorRouteMatch = {};
    const method = readStringMatch(r, own(m, 'method'), field.index(j).child('method'));
    const path = readStringMatch(r, own(m, 'path'), field.index(j).child('path'));
    if (method) match.method = method;
    if (path) match.path = path;
    const headers = r.object(own(m, 'headers'), field.index(j).child('headers'));
    if (headers) {
      match.headers = {};
      for (const [name, v] of Object.entries(headers)) {
        const sm = readStringMatch(r, v, field.index(j).child('headers').child(name));
        if (sm) match.headers[name] = sm;
      }
    }
    return [match];
  });
}

function readStep(r: JsonReader, value: unknown, i: number): CanaryStep {
  const field = STEPS_FIELD.index(i);
  // A step that is not an object reads as {}: every own() below then reads undefined.
  const s = r.object(value, field);
  const step: CanaryStep = {};
  const setWeight = r.integer(own(s, 'setWeight'), field.child('setWeight'));
  if (setWeight !== undefined) step.setWeight = setWeight;
  if (own(s, 'pause') != null) {
    const pause = r.object(own(s, 'pause'), field.child('pause'));
    const duration = r.intOrString(own(pause, 'duration'), field.child('pause', 'duration'));
    step.pause = duration === undefined ? {} : { duration };
  }
  const experiment = r.object(own(s, 'experiment'), field.child('experiment'));
  if (experiment) {
    const templates = r.array(own(experiment, 'templates'), field.child('experiment', 'templates')) ?? [];
    step.experiment = {
      templates: templates.map((t, k): ExperimentTemplateRef => {
        const tf = field.child('experiment', 'templates').index(k);
        const tmpl = r.object(t, tf);
        const weight = r.integer(own(tmpl, 'weight'), tf.child('weight'));
        const name = r.string(own(tmpl, 'name'), tf.child('name')) ?? '';
        return weight === undefined ? { name } : { name, weight };
      }),
    };
  }
  const analysis = r.object(own(s, 'analysis'), field.child('analysis'));
  if (analysis) step.analysis = analysis;
  const scale = r.object(own(s, 'setCanaryScale'), field.child('setCanaryScale'));
  if (scale) {
    step.setCanaryScale = {};
    const replicas = r.integer(own(scale, 'replicas'), field.child('setCanaryScale', 'replicas'));
    const weight = r.integer(own(scale, 'weight'), field.child('setCanaryScale', 'weight'));
    const match = r.boolean(
      own(scale, 'matchTrafficWeight'),
      field.child('setCanaryScale', 'matchTrafficWeight'),
    );
    if (replicas !== undefined) step.setCanaryScale.replicas = replicas;
    if (weight !== undefined) step.setCanaryScale.weight = weight;
    if (match !== undefined) step.setCanaryScale.matchTrafficWeight = match;
  }
  const header = r.object(own(s, 'setHeaderRoute'), field.child('setHeaderRoute'));
  if (header) {
    step.setHeaderRoute = {
      name: r.string(own(header, 'name'), field.child('setHeaderRoute', 'name')) ?? '',
      match: readHeaderMatches(r, own(header, 'match'), field.child('setHeaderRoute', 'match')),
    };
  }
  const mirror = r.object(own(s, 'setMirrorRoute'), field.child('setMirrorRoute'));
  if (mirror) {
    step.setMirrorRoute = {
      name: r.string(own(mirror, 'name'), field.child('setMirrorRoute', 'name')) ?? '',
      match: readMirrorMatches(r, own(mirror, 'match'), field.child('setMirrorRoute', 'match')),
    };
    const pct = r.integer(own(mirror, 'percentage'), field.child('setMirrorRoute', 'percentage'));
    if (pct !== undefined) step.setMirrorRoute.percentage = pct;
  }
  const plugin = r.object(own(s, 'plugin'), field.child('plugin'));
  if (plugin) step.plugin = plugin;
  return step;
}

function readCanary(r: JsonReader, value: unknown): CanaryStrategy | undefined {
  const c = r.object(value, CANARY_FIELD);
  if (!c) return undefined;
  const pingPong = r.object(own(c, 'pingPong'), CANARY_FIELD.child('pingPong'));
  const strategy: CanaryStrategy = {
    stableService: r.string(own(c, 'stableService'), CANARY_FIELD.child('stableService')),
    canaryService: r.string(own(c, 'canaryService'), CANARY_FIELD.child('canaryService')),
    dynamicStableScale:
      r.boolean(own(c, 'dynamicStableScale'), CANARY_FIELD.child('dynamicStableScale')) ?? false,
    scaleDownDelaySeconds: r.integer(
      own(c, 'scaleDownDelaySeconds'),
      CANARY_FIELD.child('scaleDownDelaySeconds'),
    ),
    abortScaleDownDelaySeconds: r.integer(
      own(c, 'abortScaleDownDelaySeconds'),
      CANARY_FIELD.child('abortScaleDownDelaySeconds'),
    ),
    maxSurge: r.intOrString(own(c, 'maxSurge'), CANARY_FIELD.child('maxSurge')),
    maxUnavailable: r.intOrString(own(c, 'maxUnavailable'), CANARY_FIELD.child('maxUnavailable')),
    trafficRouting: readTrafficRouting(r, own(c, 'trafficRouting')),
    steps: (r.array(own(c, 'steps'), STEPS_FIELD) ?? []).map((s, i) => readStep(r, s, i)),
  };
  if (pingPong) {
    strategy.pingPong = {
      pingService: r.string(own(pingPong, 'pingService'), CANARY_FIELD.child('pingPong', 'pingService')),
      pongService: r.string(own(pingPong, 'pongService'), CANARY_FIELD.child('pingPong', 'pongService')),
    };
  }
  return strategy;
}

function readDestination(r: JsonReader, value: unknown, field: FieldPath): WeightDestination | undefined {
  const d = r.object(value, field);
  if (!d) return undefined;
  const dest: WeightDestination = {
    serviceName: r.string(own(d, 'serviceName'), field.child('serviceName')) ?? '',
    weight: r.integer(own(d, 'weight'), field.child('weight')) ?? 0,
  };
  const hash = r.string(own(d, 'podTemplateHash'), field.child('podTemplateHash'));
  if (hash !== undefined) dest.podTemplateHash = hash;
  return dest;
}

function readStatus(r: JsonReader, value: unknown): RolloutStatus {
  const s = r.object(value, STATUS);
  const canaryField = STATUS.child('canary');
  const canary = r.object(own(s, 'canary'), canaryField);
  const status: RolloutStatus = {
    currentStepIndex: r.integer(own(s, 'currentStepIndex'), STATUS.child('currentStepIndex')),
    stableRS: r.string(own(s, 'stableRS'), STATUS.child('stableRS')),
    currentPodHash: r.string(own(s, 'currentPodHash'), STATUS.child('currentPodHash')),
    abort: r.boolean(own(s, 'abort'), STATUS.child('abort')) ?? false,
    promoteFull: r.boolean(own(s, 'promoteFull'), STATUS.child('promoteFull')) ?? false,
    stablePingPong: r.string(own(canary, 'stablePingPong'), canaryField.child('stablePingPong')),
  };
  const weightsField = canaryField.child('weights');
  // Without a weights object both destinations read as undefined: no separate check for it.
  const weights = r.object(own(canary, 'weights'), weightsField);
  const canaryDest = readDestination(r, own(weights, 'canary'), weightsField.child('canary'));
  const stableDest = readDestination(r, own(weights, 'stable'), weightsField.child('stable'));
  if (canaryDest && stableDest) {
    const additionalField = weightsField.child('additional');
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
  const template = r.object(own(spec, 'template'), SPEC.child('template'));
  if (!template) return undefined;
  const meta = r.object(own(template, 'metadata'), SPEC.child('template', 'metadata'));
  return r.stringMap(own(meta, 'labels'), SPEC.child('template', 'metadata', 'labels'));
}

export function parseRollout(obj: unknown): Parsed<Rollout> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'a Rollout');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const spec = r.object(own(top, 'spec'), SPEC);
  const strategy = r.object(own(spec, 'strategy'), SPEC.child('strategy'));
  const revisionText = meta.annotations[REVISION_ANNOTATION];
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
