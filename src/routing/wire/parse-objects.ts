/**
 * Parsers from Kubernetes wire objects (unknown JSON) to the domain model. They never
 * throw. A field of the wrong type is reported as a `malformed-field` error and read as
 * absent; an object without the identity the model needs (no name) yields no result.
 */
import { newFinding } from '../findings/index.js';
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

function readMeta(r: JsonReader, obj: JsonObject): Meta | undefined {
  const meta = r.object(own(obj, 'metadata'), 'metadata');
  const name = r.string(own(meta, 'name'), 'metadata.name');
  if (!name) {
    r.problems.push(
      newFinding('missing-name', 'metadata.name', 'metadata.name is required', { severity: 'error' }),
    );
    return undefined;
  }
  return {
    name,
    namespace: r.string(own(meta, 'namespace'), 'metadata.namespace') ?? 'default',
    uid: r.string(own(meta, 'uid'), 'metadata.uid'),
    generation: r.integer(own(meta, 'generation'), 'metadata.generation'),
    annotations: r.stringMap(own(meta, 'annotations'), 'metadata.annotations'),
  };
}

function topObject(r: JsonReader, obj: unknown, kind: string): JsonObject | undefined {
  if (isJsonObject(obj)) return obj;
  r.problems.push(
    newFinding(
      'malformed-object',
      '',
      `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind} must be a JSON object`,
      { severity: 'error' },
    ),
  );
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Service, IngressClass
// ---------------------------------------------------------------------------------------

export function parseService(obj: unknown): Parsed<Service> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'Service');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const spec = r.object(own(top, 'spec'), 'spec');
  const ports = (r.array(own(spec, 'ports'), 'spec.ports') ?? []).flatMap((item, i) => {
    const p = r.object(item, `spec.ports[${i}]`);
    const port = r.integer(own(p, 'port'), `spec.ports[${i}].port`);
    if (port === undefined) return [];
    const name = r.string(own(p, 'name'), `spec.ports[${i}].name`);
    return [name ? { name, port } : { port }];
  });
  const service: Service = { namespace: meta.namespace, name: meta.name, ports };
  // Kept only when it selects something: the cache holds one projection per Service.
  const selector = r.stringMap(own(spec, 'selector'), 'spec.selector');
  if (Object.keys(selector).length > 0) service.selector = selector;
  const managedBy = meta.annotations[MANAGED_BY_ROLLOUTS_ANNOTATION];
  if (managedBy !== undefined) service.managedByRollout = managedBy;
  return { value: service, findings: r.problems };
}

export function parseIngressClass(obj: unknown): Parsed<IngressClass> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'IngressClass');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const spec = r.object(own(top, 'spec'), 'spec');
  return {
    value: {
      name: meta.name,
      controller: r.string(own(spec, 'controller'), 'spec.controller') ?? '',
      isDefault: meta.annotations[DEFAULT_CLASS_ANNOTATION] === 'true',
    },
    findings: r.problems,
  };
}

// ---------------------------------------------------------------------------------------
// Ingress
// ---------------------------------------------------------------------------------------

/** Values nearly every Ingress repeats: one copy each instead of one per cached path. */
const COMMON_VALUES = new Map(
  ['use-annotation', 'Prefix', 'Exact', 'ImplementationSpecific', 'http', 'https'].map((v) => [v, v]),
);

function shared(value: string | undefined): string | undefined {
  return value === undefined ? undefined : (COMMON_VALUES.get(value) ?? value);
}

function readBackend(
  r: JsonReader,
  value: unknown,
  field: string,
  where: Pick<IngressBackend, 'ruleIndex' | 'pathIndex' | 'host' | 'path' | 'pathType'>,
): IngressBackend | undefined {
  const backend = r.object(value, field);
  if (!backend) return undefined;
  const result: IngressBackend = { ...where, legacyFields: false, resource: false };
  const service = r.object(own(backend, 'service'), `${field}.service`);
  if (service) {
    result.serviceName = r.string(own(service, 'name'), `${field}.service.name`);
    const port = r.object(own(service, 'port'), `${field}.service.port`);
    result.portName = shared(r.string(own(port, 'name'), `${field}.service.port.name`));
    result.portNumber = r.integer(own(port, 'number'), `${field}.service.port.number`);
  } else if (own(backend, 'serviceName') !== undefined || own(backend, 'servicePort') !== undefined) {
    result.legacyFields = true;
    result.serviceName = r.string(own(backend, 'serviceName'), `${field}.serviceName`);
    const port = r.intOrString(own(backend, 'servicePort'), `${field}.servicePort`);
    if (typeof port === 'string') result.portName = shared(port);
    else if (typeof port === 'number') result.portNumber = port;
  }
  result.resource = own(backend, 'resource') != null;
  return result;
}

export function parseIngress(obj: unknown): Parsed<Ingress> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'Ingress');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const spec = r.object(own(top, 'spec'), 'spec');
  const backends: IngressBackend[] = [];
  const defaultBackend = readBackend(
    r,
    own(spec, 'defaultBackend') ?? own(spec, 'backend'),
    own(spec, 'defaultBackend') !== undefined ? 'spec.defaultBackend' : 'spec.backend',
    { ruleIndex: -1, pathIndex: -1 },
  );
  if (defaultBackend) backends.push(defaultBackend);
  (r.array(own(spec, 'rules'), 'spec.rules') ?? []).forEach((ruleValue, ruleIndex) => {
    const rule = r.object(ruleValue, `spec.rules[${ruleIndex}]`);
    const host = r.string(own(rule, 'host'), `spec.rules[${ruleIndex}].host`);
    const http = r.object(own(rule, 'http'), `spec.rules[${ruleIndex}].http`);
    const paths = r.array(own(http, 'paths'), `spec.rules[${ruleIndex}].http.paths`) ?? [];
    paths.forEach((pathValue, pathIndex) => {
      const field = `spec.rules[${ruleIndex}].http.paths[${pathIndex}]`;
      const p = r.object(pathValue, field);
      const where = {
        ruleIndex,
        pathIndex,
        host,
        path: r.string(own(p, 'path'), `${field}.path`),
        pathType: shared(r.string(own(p, 'pathType'), `${field}.pathType`)),
      };
      const backend = readBackend(r, own(p, 'backend'), `${field}.backend`, where);
      if (backend) backends.push(backend);
    });
  });
  return {
    value: {
      namespace: meta.namespace,
      name: meta.name,
      annotations: meta.annotations,
      ingressClassName: r.string(own(spec, 'ingressClassName'), 'spec.ingressClassName'),
      backends,
    },
    findings: r.problems,
  };
}

// ---------------------------------------------------------------------------------------
// Rollout
// ---------------------------------------------------------------------------------------

const CANARY = 'spec.strategy.canary';
const KNOWN_TRAFFIC_FIELDS = new Set(['alb', 'nginx', 'maxTrafficWeight', 'managedRoutes', 'istio']);

function readStringMatch(r: JsonReader, value: unknown, field: string): StringMatch | undefined {
  const obj = r.object(value, field);
  if (!obj) return undefined;
  const match: StringMatch = {};
  const exact = r.string(own(obj, 'exact'), `${field}.exact`);
  const prefix = r.string(own(obj, 'prefix'), `${field}.prefix`);
  const regex = r.string(own(obj, 'regex'), `${field}.regex`);
  if (exact !== undefined) match.exact = exact;
  if (prefix !== undefined) match.prefix = prefix;
  if (regex !== undefined) match.regex = regex;
  return match;
}

function readAlb(r: JsonReader, value: unknown, field: string): AlbRouting | undefined {
  const alb = r.object(value, field);
  if (!alb) return undefined;
  const sticky = r.object(own(alb, 'stickinessConfig'), `${field}.stickinessConfig`);
  const routing: AlbRouting = {
    ingress: r.string(own(alb, 'ingress'), `${field}.ingress`),
    ingresses: r.stringArray(own(alb, 'ingresses'), `${field}.ingresses`),
    servicePort: r.integer(own(alb, 'servicePort'), `${field}.servicePort`) ?? 0,
    rootService: r.string(own(alb, 'rootService'), `${field}.rootService`),
    annotationPrefix:
      r.string(own(alb, 'annotationPrefix'), `${field}.annotationPrefix`) || DEFAULT_ALB_PREFIX,
  };
  if (sticky) {
    routing.stickinessConfig = {
      enabled: r.boolean(own(sticky, 'enabled'), `${field}.stickinessConfig.enabled`) ?? false,
      durationSeconds:
        r.integer(own(sticky, 'durationSeconds'), `${field}.stickinessConfig.durationSeconds`) ?? 0,
    };
  }
  return routing;
}

function readNginx(r: JsonReader, value: unknown, field: string): NginxRouting | undefined {
  const nginx = r.object(value, field);
  if (!nginx) return undefined;
  return {
    stableIngress: r.string(own(nginx, 'stableIngress'), `${field}.stableIngress`),
    stableIngresses: r.stringArray(own(nginx, 'stableIngresses'), `${field}.stableIngresses`),
    annotationPrefix:
      r.string(own(nginx, 'annotationPrefix'), `${field}.annotationPrefix`) || DEFAULT_NGINX_PREFIX,
    additionalIngressAnnotations: r.stringMap(
      own(nginx, 'additionalIngressAnnotations'),
      `${field}.additionalIngressAnnotations`,
    ),
    canaryIngressAnnotations: r.stringMap(
      own(nginx, 'canaryIngressAnnotations'),
      `${field}.canaryIngressAnnotations`,
    ),
  };
}

/**
 * Whether a router field counts as set. Argo Rollouts tests `plugins` by `len(Plugins) == 0`
 * (argoproj/argo-rollouts master 9f8d111, pkg/apis/rollouts/validation/validation.go), so an
 * empty map routes nothing; the other routers by `!= nil`.
 */
function isRouterSet(field: string, value: Json | undefined): boolean {
  if (value === null || value === undefined) return false;
  return field !== 'plugins' || (isJsonObject(value) && Object.keys(value).length > 0);
}

function readTrafficRouting(r: JsonReader, value: unknown): TrafficRouting | undefined {
  const field = `${CANARY}.trafficRouting`;
  const tr = r.object(value, field);
  if (!tr) return undefined;
  const routing: TrafficRouting = {
    alb: readAlb(r, own(tr, 'alb'), `${field}.alb`),
    nginx: readNginx(r, own(tr, 'nginx'), `${field}.nginx`),
    otherProviders: Object.keys(tr).filter((k) => !KNOWN_TRAFFIC_FIELDS.has(k) && isRouterSet(k, tr[k])),
    istioDestinationRule: false,
    maxTrafficWeight: r.integer(own(tr, 'maxTrafficWeight'), `${field}.maxTrafficWeight`),
  };
  const gatewayApi = readGatewayApiPlugin(r, own(tr, 'plugins'), `${field}.plugins`);
  if (gatewayApi) routing.gatewayApi = gatewayApi;
  const istio = r.object(own(tr, 'istio'), `${field}.istio`);
  if (istio) {
    routing.otherProviders.unshift('istio');
    routing.istioDestinationRule = own(istio, 'destinationRule') != null;
  }
  const managed = r.array(own(tr, 'managedRoutes'), `${field}.managedRoutes`);
  if (managed) {
    routing.managedRoutes = managed.flatMap((item, i) => {
      const name = r.string(
        own(r.object(item, `${field}.managedRoutes[${i}]`), 'name'),
        `${field}.managedRoutes[${i}].name`,
      );
      return name === undefined ? [] : [name];
    });
  }
  return routing;
}

function readHeaderMatches(r: JsonReader, value: unknown, field: string): HeaderRoutingMatch[] | null {
  const items = r.array(value, field);
  if (items === undefined) return null;
  return items.flatMap((item, j) => {
    const m = r.object(item, `${field}[${j}]`);
    if (!m) return [];
    return [
      {
        headerName: r.string(own(m, 'headerName'), `${field}[${j}].headerName`) ?? '',
        headerValue: readStringMatch(r, own(m, 'headerValue'), `${field}[${j}].headerValue`) ?? null,
      },
    ];
  });
}

function readMirrorMatches(r: JsonReader, value: unknown, field: string): MirrorRouteMatch[] | null {
  const items = r.array(value, field);
  if (items === undefined) return null;
  return items.flatMap((item, j) => {
    const m = r.object(item, `${field}[${j}]`);
    if (!m) return [];
    const match: MirrorRouteMatch = {};
    const method = readStringMatch(r, own(m, 'method'), `${field}[${j}].method`);
    const path = readStringMatch(r, own(m, 'path'), `${field}[${j}].path`);
    if (method) match.method = method;
    if (path) match.path = path;
    const headers = r.object(own(m, 'headers'), `${field}[${j}].headers`);
    if (headers) {
      match.headers = {};
      for (const [name, v] of Object.entries(headers)) {
        const sm = readStringMatch(r, v, `${field}[${j}].headers.${name}`);
        if (sm) match.headers[name] = sm;
      }
    }
    return [match];
  });
}

function readStep(r: JsonReader, value: unknown, i: number): CanaryStep {
  const field = `${CANARY}.steps[${i}]`;
  const s = r.object(value, field);
  const step: CanaryStep = {};
  if (!s) return step;
  const setWeight = r.integer(own(s, 'setWeight'), `${field}.setWeight`);
  if (setWeight !== undefined) step.setWeight = setWeight;
  if (own(s, 'pause') != null) {
    const pause = r.object(own(s, 'pause'), `${field}.pause`);
    const duration = r.intOrString(own(pause, 'duration'), `${field}.pause.duration`);
    step.pause = duration === undefined ? {} : { duration };
  }
  const experiment = r.object(own(s, 'experiment'), `${field}.experiment`);
  if (experiment) {
    const templates = r.array(own(experiment, 'templates'), `${field}.experiment.templates`) ?? [];
    step.experiment = {
      templates: templates.map((t, k): ExperimentTemplateRef => {
        const tf = `${field}.experiment.templates[${k}]`;
        const tmpl = r.object(t, tf);
        const weight = r.integer(own(tmpl, 'weight'), `${tf}.weight`);
        const name = r.string(own(tmpl, 'name'), `${tf}.name`) ?? '';
        return weight === undefined ? { name } : { name, weight };
      }),
    };
  }
  const analysis = r.object(own(s, 'analysis'), `${field}.analysis`);
  if (analysis) step.analysis = analysis;
  const scale = r.object(own(s, 'setCanaryScale'), `${field}.setCanaryScale`);
  if (scale) {
    step.setCanaryScale = {};
    const replicas = r.integer(own(scale, 'replicas'), `${field}.setCanaryScale.replicas`);
    const weight = r.integer(own(scale, 'weight'), `${field}.setCanaryScale.weight`);
    const match = r.boolean(own(scale, 'matchTrafficWeight'), `${field}.setCanaryScale.matchTrafficWeight`);
    if (replicas !== undefined) step.setCanaryScale.replicas = replicas;
    if (weight !== undefined) step.setCanaryScale.weight = weight;
    if (match !== undefined) step.setCanaryScale.matchTrafficWeight = match;
  }
  const header = r.object(own(s, 'setHeaderRoute'), `${field}.setHeaderRoute`);
  if (header) {
    step.setHeaderRoute = {
      name: r.string(own(header, 'name'), `${field}.setHeaderRoute.name`) ?? '',
      match: readHeaderMatches(r, own(header, 'match'), `${field}.setHeaderRoute.match`),
    };
  }
  const mirror = r.object(own(s, 'setMirrorRoute'), `${field}.setMirrorRoute`);
  if (mirror) {
    step.setMirrorRoute = {
      name: r.string(own(mirror, 'name'), `${field}.setMirrorRoute.name`) ?? '',
      match: readMirrorMatches(r, own(mirror, 'match'), `${field}.setMirrorRoute.match`),
    };
    const pct = r.integer(own(mirror, 'percentage'), `${field}.setMirrorRoute.percentage`);
    if (pct !== undefined) step.setMirrorRoute.percentage = pct;
  }
  const plugin = r.object(own(s, 'plugin'), `${field}.plugin`);
  if (plugin) step.plugin = plugin;
  return step;
}

function readCanary(r: JsonReader, value: unknown): CanaryStrategy | undefined {
  const c = r.object(value, CANARY);
  if (!c) return undefined;
  const pingPong = r.object(own(c, 'pingPong'), `${CANARY}.pingPong`);
  const strategy: CanaryStrategy = {
    stableService: r.string(own(c, 'stableService'), `${CANARY}.stableService`),
    canaryService: r.string(own(c, 'canaryService'), `${CANARY}.canaryService`),
    dynamicStableScale: r.boolean(own(c, 'dynamicStableScale'), `${CANARY}.dynamicStableScale`) ?? false,
    scaleDownDelaySeconds: r.integer(own(c, 'scaleDownDelaySeconds'), `${CANARY}.scaleDownDelaySeconds`),
    abortScaleDownDelaySeconds: r.integer(
      own(c, 'abortScaleDownDelaySeconds'),
      `${CANARY}.abortScaleDownDelaySeconds`,
    ),
    maxSurge: r.intOrString(own(c, 'maxSurge'), `${CANARY}.maxSurge`),
    maxUnavailable: r.intOrString(own(c, 'maxUnavailable'), `${CANARY}.maxUnavailable`),
    trafficRouting: readTrafficRouting(r, own(c, 'trafficRouting')),
    steps: (r.array(own(c, 'steps'), `${CANARY}.steps`) ?? []).map((s, i) => readStep(r, s, i)),
  };
  if (pingPong) {
    strategy.pingPong = {
      pingService: r.string(own(pingPong, 'pingService'), `${CANARY}.pingPong.pingService`),
      pongService: r.string(own(pingPong, 'pongService'), `${CANARY}.pingPong.pongService`),
    };
  }
  return strategy;
}

function readDestination(r: JsonReader, value: unknown, field: string): WeightDestination | undefined {
  const d = r.object(value, field);
  if (!d) return undefined;
  const dest: WeightDestination = {
    serviceName: r.string(own(d, 'serviceName'), `${field}.serviceName`) ?? '',
    weight: r.integer(own(d, 'weight'), `${field}.weight`) ?? 0,
  };
  const hash = r.string(own(d, 'podTemplateHash'), `${field}.podTemplateHash`);
  if (hash !== undefined) dest.podTemplateHash = hash;
  return dest;
}

function readStatus(r: JsonReader, value: unknown): RolloutStatus {
  const s = r.object(value, 'status');
  const canary = r.object(own(s, 'canary'), 'status.canary');
  const status: RolloutStatus = {
    currentStepIndex: r.integer(own(s, 'currentStepIndex'), 'status.currentStepIndex'),
    stableRS: r.string(own(s, 'stableRS'), 'status.stableRS'),
    currentPodHash: r.string(own(s, 'currentPodHash'), 'status.currentPodHash'),
    abort: r.boolean(own(s, 'abort'), 'status.abort') ?? false,
    promoteFull: r.boolean(own(s, 'promoteFull'), 'status.promoteFull') ?? false,
    stablePingPong: r.string(own(canary, 'stablePingPong'), 'status.canary.stablePingPong'),
  };
  const weights = r.object(own(canary, 'weights'), 'status.canary.weights');
  if (weights) {
    const canaryDest = readDestination(r, own(weights, 'canary'), 'status.canary.weights.canary');
    const stableDest = readDestination(r, own(weights, 'stable'), 'status.canary.weights.stable');
    if (canaryDest && stableDest) {
      const additional = (
        r.array(own(weights, 'additional'), 'status.canary.weights.additional') ?? []
      ).flatMap((d: Json, i) => readDestination(r, d, `status.canary.weights.additional[${i}]`) ?? []);
      status.weights = { canary: canaryDest, stable: stableDest, additional };
    }
  }
  return status;
}

/**
 * The pod template's labels; undefined when there is no template to read (it comes from
 * `spec.workloadRef`, or the manifest has none), so no check leans on labels it cannot see.
 */
function readPodLabels(r: JsonReader, spec: JsonObject | undefined): Record<string, string> | undefined {
  if (own(spec, 'workloadRef') != null) return undefined;
  const template = r.object(own(spec, 'template'), 'spec.template');
  if (!template) return undefined;
  const meta = r.object(own(template, 'metadata'), 'spec.template.metadata');
  return r.stringMap(own(meta, 'labels'), 'spec.template.metadata.labels');
}

export function parseRollout(obj: unknown): Parsed<Rollout> {
  const r = new JsonReader();
  const top = topObject(r, obj, 'Rollout');
  const meta = top && readMeta(r, top);
  if (!top || !meta) return { findings: r.problems };
  const spec = r.object(own(top, 'spec'), 'spec');
  const strategy = r.object(own(spec, 'strategy'), 'spec.strategy');
  const revisionText = meta.annotations[REVISION_ANNOTATION];
  const revision =
    revisionText !== undefined && /^\d+$/.test(revisionText) ? Number(revisionText) : undefined;
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
