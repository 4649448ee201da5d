/**
 * The HTTPRoute/GRPCRoute hooks end to end through the dispatcher, on the Gateway API example
 * (examples/gateway-api): a GitOps re-apply mid-canary is patched back to the live traffic
 * state, the Rollouts controller's own writes are never changed, and a write that removes a
 * Service the plugin needs is denied.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fastJsonPatch from 'fast-json-patch';
import { FileClusterState } from '../../src/cluster/file-state.js';
import type { JsonObject } from '../../src/routing/model.js';
import { canonicalRule } from '../../src/routing/gateway-api/index.js';
import { parseRollout } from '../../src/routing/wire/index.js';
import { answerReview } from '../../src/webhook/admission/dispatch.js';
import type { ClusterView } from '../../src/routing/model.js';
import type { ReviewContext } from '../../src/webhook/admission/handler.js';
import type { AdmissionReviewResponse } from '../../src/webhook/admission/response.js';
import { admissionReview } from '../support/admission-review.js';
import { parsedValue } from '../routing/builders.js';

const CONTROLLER = 'system:serviceaccount:argo-rollouts:argo-rollouts';
let files: FileClusterState;
let cluster: ClusterView;

/** The example's Rollout at its header step with 20% recorded, as the cache would hold it. */
beforeAll(async () => {
  files = new FileClusterState(['examples/gateway-api']);
  await files.start();
  const stored = files.getRollout('shop', 'store')!;
  const raw = {
    metadata: { name: 'store', namespace: 'shop', annotations: { 'rollout.argoproj.io/revision': '2' } },
    spec: {
      strategy: {
        canary: {
          stableService: 'store-stable',
          canaryService: 'store-canary',
          trafficRouting: {
            managedRoutes: [{ name: 'store-testers' }],
            plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'store' } },
          },
          steps: stored.canary!.steps.map((s) => ({ ...s }) as JsonObject),
        },
      },
    },
    status: {
      currentPodHash: 'new',
      stableRS: 'old',
      currentStepIndex: 3,
      canary: {
        weights: {
          canary: { weight: 20, serviceName: 'store-canary' },
          stable: { weight: 80, serviceName: 'store-stable' },
        },
      },
    },
  };
  const rollout = parsedValue(parseRollout(raw));
  cluster = Object.assign(Object.create(files) as ClusterView, {
    getRollout: () => rollout,
    rolloutsReferencingRoute: (kind: string, ns: string, name: string) =>
      kind === 'HTTPRoute' && ns === 'shop' && name === 'store' ? [rollout] : [],
  });
});

const context = (): ReviewContext => ({
  cluster,
  policy: { controllerIdentities: new Set([CONTROLLER]), enforcement: 'deny' },
  deadline: Date.now() + 10_000,
});

const ref = (name: string, weight: number) => ({ group: '', kind: 'Service', name, port: 80, weight });
const HEADER_RULE = {
  name: 'store-testers',
  matches: [
    {
      path: { type: 'PathPrefix', value: '/' },
      headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }],
    },
  ],
  backendRefs: [ref('store-canary', 1)],
};

function route(rules: JsonObject[], labels?: Record<string, string>): JsonObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'store', namespace: 'shop', ...(labels ? { labels } : {}) },
    spec: { parentRefs: [{ name: 'public', namespace: 'gateways' }], rules },
  };
}

function review(
  object: JsonObject,
  oldObject: JsonObject | undefined,
  username = 'system:serviceaccount:argocd:argocd-application-controller',
) {
  return admissionReview({ kind: 'HTTPRoute', uid: 'u1', name: 'store', username, object, oldObject });
}

const traffic = { matches: [{ path: { type: 'PathPrefix', value: '/' } }] };
const live = route(
  [{ ...traffic, backendRefs: [ref('store-stable', 80), ref('store-canary', 20)] }, HEADER_RULE],
  {
    'rollouts.argoproj.io/gatewayapi-canary': 'in-progress',
  },
);
const fromGit = route([{ ...traffic, backendRefs: [ref('store-stable', 1), ref('store-canary', 1)] }]);

describe('HTTPRoute mutating hook', () => {
  it('patches an Argo CD re-apply back to the live state: weights, header rule and label', () => {
    const outcome = answerReview('mutate', review(fromGit, live), context());
    const body = outcome.body as AdmissionReviewResponse;
    expect(body.response.allowed).toBe(true);
    const patch = JSON.parse(
      Buffer.from(body.response.patch!, 'base64').toString(),
    ) as fastJsonPatch.Operation[];
    expect(patch.map((op) => `${op.op} ${op.path}`)).toEqual([
      'add /metadata/labels',
      'replace /spec/rules/0/backendRefs/0/weight',
      'replace /spec/rules/0/backendRefs/1/weight',
      'add /spec/rules/1',
    ]);
    const admitted = fastJsonPatch.applyPatch(structuredClone(fromGit), patch, true, false).newDocument;
    // Equal to the live route once the apiserver applies the CRD defaults (weight 1).
    const rules = (r: JsonObject) =>
      ((r.spec as JsonObject).rules as JsonObject[]).map((x) => canonicalRule('HTTPRoute', x));
    expect(rules(admitted)).toEqual(rules(live));
    expect(admitted.metadata).toEqual(live.metadata);
    expect(body.response.warnings).toEqual([
      "spec.rules[*].backendRefs[name=store-canary].weight: kept Rollout store's live traffic (canary 20%)",
      "spec.rules[*].backendRefs[name=store-stable].weight: kept Rollout store's live traffic (canary 20%)",
      "spec.rules[name=store-testers]: kept Rollout store's header route",
      'metadata.labels["rollouts.argoproj.io/gatewayapi-canary"]: kept Rollout store\'s in-progress label',
    ]);
    expect(outcome.result?.overrides).toEqual(['gateway-api', 'gateway-api', 'gateway-api', 'gateway-api']);
  });

  it("never changes the Rollouts controller's (and so the plugin's) own writes", () => {
    const outcome = answerReview('mutate', review(fromGit, live, CONTROLLER), context());
    expect((outcome.body as AdmissionReviewResponse).response).toEqual({ uid: 'u1', allowed: true });
  });

  it('leaves a route no Rollout names alone', () => {
    const other = { ...fromGit, metadata: { name: 'other', namespace: 'shop' } };
    const r = review(other, undefined);
    r.request.name = 'other';
    expect(
      (answerReview('mutate', r, context()).body as AdmissionReviewResponse).response.patch,
    ).toBeUndefined();
  });
});

describe('HTTPRoute validating hook', () => {
  it('denies a write that drops the canary backend the Rollout needs', () => {
    const broken = route([{ ...traffic, backendRefs: [ref('store-stable', 100)] }]);
    const body = answerReview('validate', review(broken, live), context()).body as AdmissionReviewResponse;
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.message).toContain(
      'has no backendRef named store-canary outside the header-route rules',
    );
  });

  it('admits the live route', () => {
    const body = answerReview('validate', review(live, live), context()).body as AdmissionReviewResponse;
    expect(body.response.allowed).toBe(true);
  });
});
