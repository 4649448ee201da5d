/**
 * Shared pieces of the fuzz suites: the run budget, valid AdmissionReviews to start from,
 * fast-check generators that break them (wrong types at any path, dangerous keys, huge
 * strings, corrupted text), the checker every answer must pass, and a monitor for process
 * health (unhandled rejections, uncaught exceptions, RSS).
 */
import { readFileSync } from 'node:fs';
import fastJsonPatch from 'fast-json-patch';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { FileClusterState } from '../../src/cluster/file-state.js';
import { policyFrom } from '../../src/commands/policy.js';
import { answerReview, type ReviewOutcome } from '../../src/webhook/admission/dispatch.js';
import { MAX_WARNING_LENGTH, type HookKind } from '../../src/webhook/admission/response.js';
import type { JsonObject } from '../../src/routing/model.js';

/**
 * Cases per `npm test` run by default (a new seed each run); `npm run fuzz`, which CI runs too,
 * sets 100,000.
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 4_000);
/** The seed of this run, printed with the counts: FUZZ_SEED=<seed> replays it. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/** The cluster state every suite reviews against (also what the harness serves). */
export const STATE_PATHS = ['examples/quickstart'];

// -------------------------------------------------------------------------------------------
// Valid reviews to start from
// -------------------------------------------------------------------------------------------

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
const quickstart = parseAllDocuments(readFileSync('examples/quickstart/app.yaml', 'utf8')).map(
  (d) => d.toJS() as JsonObject,
);
const manifest = (kind: string) => structuredClone(quickstart.find((o) => o['kind'] === kind)!);

/** The resource names the apiserver sends for the kinds the fuzz bases use (plurals are not `kind + s`). */
const RESOURCE_OF_KIND: Record<string, string> = {
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  Rollout: 'rollouts',
  Service: 'services',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
};

/** An admission.k8s.io/v1 AdmissionReview of `object`, as the apiserver would send it. */
export function reviewOf(
  uid: string,
  object: JsonObject,
  operation: string,
  username: string,
  oldObject?: JsonObject,
): JsonObject {
  const [group, version] = String(object['apiVersion']).includes('/')
    ? String(object['apiVersion']).split('/')
    : ['', String(object['apiVersion'])];
  const metadata = object['metadata'] as JsonObject;
  const request: JsonObject = {
    uid,
    kind: { group: group ?? '', version: version ?? '', kind: object['kind'] as string },
    resource: {
      group: group ?? '',
      version: version ?? '',
      resource: RESOURCE_OF_KIND[String(object['kind'])] ?? `${String(object['kind']).toLowerCase()}s`,
    },
    name: metadata['name'] as string,
    namespace: metadata['namespace'] as string,
    operation,
    userInfo: { username, groups: ['system:authenticated'] },
    object,
    dryRun: false,
  };
  if (oldObject) request['oldObject'] = oldObject;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

const argocdUpdate = readJson('examples/reviews/argocd-reapply-mid-canary.json');
const liveIngress = manifest('Ingress');
(liveIngress['metadata'] as JsonObject)['annotations'] = {
  ...((liveIngress['metadata'] as JsonObject)['annotations'] as JsonObject),
  'alb.ingress.kubernetes.io/actions.shop-stable':
    '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"shop-canary","ServicePort":"80","Weight":20},{"ServiceName":"shop-stable","ServicePort":"80","Weight":80}]}}',
};

export const BASE_REVIEWS: readonly JsonObject[] = [
  argocdUpdate,
  readJson('test/fixtures/reviews/create-miswired-rollout.json'),
  reviewOf('uid-rollout-create', manifest('Rollout'), 'CREATE', 'alice@example.com'),
  reviewOf('uid-rollout-update', manifest('Rollout'), 'UPDATE', 'bob', manifest('Rollout')),
  reviewOf('uid-ingress-create', manifest('Ingress'), 'CREATE', 'alice@example.com'),
  reviewOf('uid-ingress-update', manifest('Ingress'), 'UPDATE', 'carol', liveIngress),
  reviewOf('uid-ingress-delete', manifest('Ingress'), 'DELETE', 'dave', liveIngress),
  reviewOf('uid-service', manifest('Service'), 'CREATE', 'erin'),
  reviewOf('uid-class', manifest('IngressClass'), 'UPDATE', 'frank', manifest('IngressClass')),
];

// -------------------------------------------------------------------------------------------
// Generators
// -------------------------------------------------------------------------------------------

export type Path = (string | number)[];

/** Every path to a value inside `root` (the root itself is []). Iterative. */
export function pathsOf(root: unknown): Path[] {
  const out: Path[] = [];
  const pending: { value: unknown; path: Path }[] = [{ value: root, path: [] }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    out.push(item.path);
    const { value, path } = item;
    if (Array.isArray(value)) value.forEach((v, i) => pending.push({ value: v, path: [...path, i] }));
    else if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) pending.push({ value: v, path: [...path, k] });
  }
  return out;
}

/** Sets an own, enumerable property even for `__proto__` (plain assignment would change the prototype). */
export function setOwn(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value at `path` inside `root`. */
export function at(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);
}

export const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

const interestingStrings = fc.constantFrom(
  '',
  ' ',
  '__proto__',
  'constructor',
  'true',
  'null',
  '0',
  '-1',
  '1e309',
  'NaN',
  '100%',
  'use-annotation',
  '{"Type":"forward"}',
  '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"x","Weight":101}]}}',
  '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x","values":["y"]}}]',
  '{"__proto__":{"polluted":true}}',
  'admission.k8s.io/v1beta1',
  'AdmissionReviewList',
  'networking.k8s.io',
  'argoproj.io',
  'Ingress',
  'Rollout',
  'system:serviceaccount:argo-rollouts:argo-rollouts',
  '\u0000',
  '\ud800',
  '🙂'.repeat(50),
  'a/b~c',
);

/** A value of some type, usually not the one expected where it lands. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, 1e308, -0, [], {}, [null], [[]]),
  },
  { weight: 3, arbitrary: interestingStrings },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.constantFrom(...DANGEROUS_KEYS, 'name', 'weight'),
      fc.jsonValue({ maxDepth: 2 }),
      {
        maxKeys: 3,
      },
    ),
  },
  // Large strings stay under 64 KiB here to keep many cases fast; hostile-inputs.ts grows to MiB.
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 65_536 }).map((n) => 'x'.repeat(n)) },
);

type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'add-key'; at: number; key: string; value: unknown }
  | { op: 'wrap'; at: number; depth: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: wrongValue }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('add-key' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 12 })),
      value: wrongValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('wrap' as const),
      at: fc.nat(),
      depth: fc.integer({ min: 1, max: 60 }),
    }),
  },
);

function applyMutation(review: JsonObject, mutation: Mutation): JsonObject {
  // Generated constants ({}, [], ...) are shared between cases: insert copies, or a later
  // mutation would edit the shared instance and cases would leak into each other (even cycles).
  const m = 'value' in mutation ? { ...mutation, value: structuredClone(mutation.value) } : mutation;
  const paths = pathsOf(review);
  const path = paths[m.at % paths.length]!;
  const parentPath = path.slice(0, -1);
  const key = path.at(-1);
  if (key === undefined) {
    // The root itself: replace the whole body.
    if (m.op === 'replace') return m.value as JsonObject;
    // A named key on an array (say `constructor`) is not something JSON can carry: a body the
    // apiserver sends never has one, so the fuzzer does not make one either.
    if (m.op === 'add-key' && !Array.isArray(review)) setOwn(review, m.key, m.value);
    return review;
  }
  const parent = at(review, parentPath) as Record<string | number, unknown>;
  switch (m.op) {
    case 'replace':
      setOwn(parent, key, m.value);
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'add-key': {
      const target = at(review, path);
      if (typeof target === 'object' && target !== null && !Array.isArray(target))
        setOwn(target, m.key, m.value);
      else setOwn(parent, key, { [m.key]: m.value });
      break;
    }
    case 'wrap': {
      let value = parent[key];
      for (let i = 0; i < m.depth; i++) value = i % 2 === 0 ? [value] : { v: value };
      setOwn(parent, key, value);
      break;
    }
  }
  return review;
}

export interface FuzzCase {
  hook: HookKind;
  body: unknown;
}

/** A valid review broken by one to three mutations at random paths. */
export const mutatedReview: fc.Arbitrary<FuzzCase> = fc
  .record({
    hook: fc.constantFrom<HookKind>('mutate', 'validate'),
    base: fc.nat(BASE_REVIEWS.length - 1),
    mutations: fc.array(mutation, { minLength: 0, maxLength: 3 }),
  })
  .map(({ hook, base, mutations }) => ({
    hook,
    body: mutations.reduce<unknown>(
      (review, m) =>
        typeof review === 'object' && review !== null ? applyMutation(review as JsonObject, m) : review,
      structuredClone(BASE_REVIEWS[base]),
    ),
  }));

/** Request-body text: a mutated review, corrupted or not, or plain garbage. */
export const bodyText: fc.Arbitrary<{ hook: HookKind; text: string }> = fc.oneof(
  { weight: 5, arbitrary: mutatedReview.map((c) => ({ hook: c.hook, text: JSON.stringify(c.body) ?? '' })) },
  {
    weight: 2,
    arbitrary: fc.tuple(mutatedReview, fc.double({ min: 0, max: 1, noNaN: true })).map(([c, cut]) => {
      const text = JSON.stringify(c.body) ?? '';
      return { hook: c.hook, text: text.slice(0, Math.floor(text.length * cut)) };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(mutatedReview, fc.nat(), fc.string({ minLength: 1, maxLength: 3 }))
      .map(([c, where, junk]) => {
        const text = JSON.stringify(c.body) ?? '';
        const i = where % (text.length + 1);
        return { hook: c.hook, text: text.slice(0, i) + junk + text.slice(i + 1) };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom<HookKind>('mutate', 'validate'), fc.oneof(fc.string(), fc.json()))
      .map(([hook, text]) => ({ hook, text })),
  },
);

// -------------------------------------------------------------------------------------------
// Reviewing in-process and checking answers
// -------------------------------------------------------------------------------------------

export async function loadState(): Promise<FileClusterState> {
  const state = new FileClusterState(STATE_PATHS);
  await state.start();
  return state;
}

/** The same policy `serve` and `review` use with default flags. */
export const POLICY = policyFrom(undefined, undefined);

export function reviewInProcess(state: FileClusterState, hook: HookKind, body: unknown): ReviewOutcome {
  return answerReview(hook, body, { cluster: state, policy: POLICY, deadline: Date.now() + 10_000 });
}

function own(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** What the client sent as `request.uid`, if it is a string. */
export function sentUid(body: unknown): string | undefined {
  const uid = own(own(body, 'request'), 'uid');
  return typeof uid === 'string' ? uid : undefined;
}

function fail(message: string, answer: unknown): never {
  throw new Error(`${message}\nanswer: ${JSON.stringify(answer)?.slice(0, 2000)}`);
}

const PATCH_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * The contract for every answer: HTTP 200 with an AdmissionReview the apiserver accepts
 * (VerifyAdmissionResponse rules, and a patch that applies to the sent object), or a 4xx
 * with a JSON error that says what was wrong. Never a 5xx.
 */
export function checkAnswer(hook: HookKind, sent: unknown, status: number, answer: unknown): void {
  if (status === 200) {
    if (own(answer, 'apiVersion') !== 'admission.k8s.io/v1' || own(answer, 'kind') !== 'AdmissionReview')
      fail('200 without an admission.k8s.io/v1 AdmissionReview', answer);
    const response = own(answer, 'response');
    const uid = own(response, 'uid');
    if (typeof uid !== 'string' || uid === '' || uid !== sentUid(sent)) fail('uid not echoed', answer);
    const allowed = own(response, 'allowed');
    if (typeof allowed !== 'boolean') fail('allowed is not a boolean', answer);
    if (!allowed) {
      const st = own(response, 'status');
      const message = own(st, 'message');
      const code = own(st, 'code');
      if (typeof message !== 'string' || message === '') fail('a denial without a message', answer);
      if (typeof code !== 'number' || code < 400 || code > 499) fail('a denial without a 4xx code', answer);
    }
    const warnings = own(response, 'warnings');
    if (warnings !== undefined) {
      if (!Array.isArray(warnings) || warnings.length === 0)
        fail('warnings must be a non-empty list', answer);
      for (const w of warnings)
        if (typeof w !== 'string' || w.length > MAX_WARNING_LENGTH)
          fail('a warning too long or not text', answer);
    }
    const patch = own(response, 'patch');
    const patchType = own(response, 'patchType');
    if ((patch === undefined) !== (patchType === undefined)) fail('patch and patchType not together', answer);
    if (patch === undefined) return;
    if (hook === 'validate') fail('a validating hook returned a patch', answer);
    if (!allowed) fail('a patch on a denial', answer);
    if (patchType !== 'JSONPatch' || typeof patch !== 'string') fail('patchType must be JSONPatch', answer);
    const ops = JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as unknown;
    if (!Array.isArray(ops) || ops.length === 0) fail('patch is not a non-empty JSON array', answer);
    for (const op of ops) {
      if (!PATCH_OPS.has(own(op, 'op') as string) || typeof own(op, 'path') !== 'string')
        fail('a patch operation is malformed', answer);
    }
    const object = own(own(sent, 'request'), 'object');
    try {
      fastJsonPatch.applyPatch(structuredClone(object), ops as fastJsonPatch.Operation[], true, false);
    } catch (error) {
      fail(`the patch does not apply to request.object: ${(error as Error).message}`, answer);
    }
    return;
  }
  if (status >= 400 && status < 500) {
    const error = own(answer, 'error');
    if (typeof error !== 'string' || error.length < 10)
      fail(`${status} without a JSON error that says why`, answer);
    const uid = own(answer, 'uid');
    if (uid !== undefined && uid !== sentUid(sent)) fail('an error echoed a uid that was not sent', answer);
    return;
  }
  fail(`HTTP ${status}: neither an AdmissionReview nor a 4xx`, answer);
}

/** The prototype of plain objects must stay untouched by any input. */
export function checkNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  if (
    Object.keys(Object.prototype).length > 0 ||
    probe['polluted'] !== undefined ||
    probe['allowed'] !== undefined
  )
    throw new Error('Object.prototype was polluted');
}

// -------------------------------------------------------------------------------------------
// Process health
// -------------------------------------------------------------------------------------------

export interface HealthReport {
  unhandledRejections: unknown[];
  uncaughtExceptions: unknown[];
  rssStartMb: number;
  rssPeakMb: number;
}

/** Records unhandled rejections, uncaught exceptions and peak RSS until `stop()`. */
export function monitorHealth(sampleMs = 25): { sample(): void; stop(): HealthReport } {
  const report: HealthReport = {
    unhandledRejections: [],
    uncaughtExceptions: [],
    rssStartMb: process.memoryUsage.rss() / 2 ** 20,
    rssPeakMb: 0,
  };
  const sample = () => {
    report.rssPeakMb = Math.max(report.rssPeakMb, process.memoryUsage.rss() / 2 ** 20);
  };
  const onRejection = (reason: unknown) => report.unhandledRejections.push(reason);
  const onException = (error: unknown) => report.uncaughtExceptions.push(error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  sample();
  const timer = setInterval(sample, sampleMs);
  return {
    /** Synchronous loops starve the timer: they call this themselves. */
    sample,
    stop() {
      clearInterval(timer);
      sample();
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      return report;
    },
  };
}
