import { beforeAll, describe, expect, it } from 'vitest';
import { FileClusterState } from '../../src/cluster/file-state.js';
import type { JsonObject } from '../../src/routing/model.js';
import type { ReviewContext, WebhookPolicy } from '../../src/webhook/admission/handler.js';
import type { AdmissionRequest } from '../../src/webhook/admission/review.js';
import { decide, ratchet } from '../../src/webhook/hooks/findings.js';
import { admissionRequest, argocdReapplyReview } from '../support/admission-review.js';
import { IngressValidator } from '../../src/webhook/hooks/validate-ingress.js';
import { RolloutValidator, rolloutFindings } from '../../src/webhook/hooks/validate-rollout.js';

const review = argocdReapplyReview();
const live = review.request.oldObject;

let cluster: FileClusterState;
beforeAll(async () => {
  cluster = new FileClusterState(['examples/quickstart']);
  await cluster.start();
});

const policy = (enforcement: 'deny' | 'warn' = 'deny'): WebhookPolicy => ({
  controllerIdentities: new Set(['system:serviceaccount:argo-rollouts:argo-rollouts']),
  enforcement,
});
const context = (enforcement: 'deny' | 'warn' = 'deny'): ReviewContext => ({
  cluster,
  policy: policy(enforcement),
  deadline: Date.now() + 10_000,
});

function ingressRequest(object: JsonObject, oldObject?: JsonObject, username = 'alice'): AdmissionRequest {
  return admissionRequest({ kind: 'Ingress', object, oldObject, username });
}

/** The live Ingress with its stable backend's port changed from `use-annotation` to a number. */
function withNumericPort(): JsonObject {
  const broken = structuredClone(live) as {
    spec: { rules: { http: { paths: { backend: { service: { port: object } } }[] } }[] };
  };
  broken.spec.rules[0]!.http.paths[1]!.backend.service.port = { number: 80 };
  return broken as unknown as JsonObject;
}

describe('IngressValidator', () => {
  it('admits the live mid-canary Ingress', () => {
    expect(new IngressValidator().handle(ingressRequest(live, live), context())).toMatchObject({
      allowed: true,
    });
  });

  it('denies an update that breaks the use-annotation backend a Rollout routes through, naming the fix', () => {
    const result = new IngressValidator().handle(ingressRequest(withNumericPort(), live), context());
    expect(result.allowed).toBe(false);
    expect(result.message).toMatch(/^Ingress shop\/shop has \d+ errors? in its traffic routing:/);
    expect(result.message).toContain('use-annotation');
  });

  it('only warns in warn mode', () => {
    const result = new IngressValidator().handle(ingressRequest(withNumericPort(), live), context('warn'));
    expect(result.allowed).toBe(true);
    expect(
      result.warnings.some((w) => w.startsWith('alb-backend-port-number (would deny): Replace port.number')),
    ).toBe(true);
  });

  it('ratchets: an error the live object already had does not block an unrelated edit', () => {
    const broken = withNumericPort();
    const relabelled = structuredClone(broken) as { metadata: { labels?: Record<string, string> } };
    relabelled.metadata.labels = { team: 'shop' };
    const result = new IngressValidator().handle(
      ingressRequest(relabelled as unknown as JsonObject, broken),
      context(),
    );
    expect(result.allowed).toBe(true);
    expect(result.warnings.some((w) => w.includes('already present before this change'))).toBe(true);
  });

  it("never blocks the Rollouts controller's own writes", () => {
    const result = new IngressValidator().handle(
      ingressRequest(withNumericPort(), live, 'system:serviceaccount:argo-rollouts:argo-rollouts'),
      context(),
    );
    expect(result).toMatchObject({ allowed: true, reason: 'rollouts-controller' });
  });

  it('denies an invalid ALB action annotation on an Ingress no Rollout references', () => {
    const other = structuredClone(live) as {
      metadata: { name: string; annotations: Record<string, string> };
    };
    other.metadata.name = 'other';
    other.metadata.annotations = {
      'alb.ingress.kubernetes.io/actions.shop-stable':
        '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"shop-stable","servicePort":80,"weight":"20"},{"serviceName":"shop-canary","servicePort":80,"weight":80}]}}',
    };
    const request = { ...ingressRequest(other as unknown as JsonObject), name: 'other' };
    const result = new IngressValidator().handle(request, context());
    expect(result.allowed).toBe(false);
    expect(result.message).toContain('cannot unmarshal string');
  });
});

describe('RolloutValidator', () => {
  const rolloutRequest = (object: JsonObject, oldObject?: JsonObject): AdmissionRequest =>
    admissionRequest({ kind: 'Rollout', object, oldObject });
  const rollout = (canaryService: string): JsonObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop', namespace: 'shop' },
    spec: {
      strategy: {
        canary: {
          stableService: 'shop-stable',
          canaryService,
          trafficRouting: { alb: { ingress: 'shop', servicePort: 80 } },
          steps: [{ setWeight: 20 }, { pause: {} }],
        },
      },
    },
  });

  it('admits a correctly wired Rollout', () => {
    expect(new RolloutValidator().handle(rolloutRequest(rollout('shop-canary')), context()).allowed).toBe(
      true,
    );
  });

  it('admits a valid Rollout with nothing to warn about or record, as decide does for no findings', () => {
    const expected = { allowed: true, reason: 'valid', patch: [], warnings: [] };
    expect(new RolloutValidator().handle(rolloutRequest(rollout('shop-canary')), context())).toEqual(
      expected,
    );
    expect(decide('Rollout shop/shop', [], policy(), { namespace: 'shop', labels: {} })).toEqual(expected);
  });

  it("judges a Rollout without a namespace in the request's namespace, leaving the object as it was", () => {
    const object = rollout('shop-canary');
    delete (object['metadata'] as { namespace?: string }).namespace;
    expect(rolloutFindings(object, cluster, 'shop')).toEqual([]);
    // Without the request's namespace it is judged in `default`, where none of its objects are.
    expect(rolloutFindings(object, cluster).map((f) => f.rule)).toEqual([
      'ingress-not-found',
      'service-not-found',
      'service-not-found',
    ]);
    expect(object['metadata']).toEqual({ name: 'shop' });
  });

  it("denies with Argo's own message text and the field path", () => {
    const result = new RolloutValidator().handle(rolloutRequest(rollout('shop-stable')), context());
    expect(result.allowed).toBe(false);
    expect(result.message).toContain(
      'spec.strategy.stableService: Invalid value: "shop-stable": This rollout uses the same service for the stable and canary services, but two different services are required.',
    );
  });

  it('ignores status subresource writes', () => {
    const request = { ...rolloutRequest(rollout('shop-stable')), subResource: 'status' };
    expect(new RolloutValidator().handle(request, context())).toMatchObject({
      allowed: true,
      reason: 'subresource-ignored',
    });
  });

  it('ignores DELETE', () => {
    const request = { ...rolloutRequest(rollout('shop-stable')), operation: 'DELETE' as const };
    expect(new RolloutValidator().handle(request, context())).toMatchObject({
      allowed: true,
      reason: 'operation-ignored',
    });
  });
});

describe('ratchet', () => {
  const error = { severity: 'error' as const, rule: 'r', field: 'f', message: 'm' };
  it('keeps new errors, downgrades old ones, and leaves CREATE alone', () => {
    expect(ratchet([error], undefined)).toEqual([error]);
    expect(ratchet([error], [])).toEqual([error]);
    expect(ratchet([error], [error])).toEqual([
      { ...error, severity: 'warning', message: 'm (already present before this change)' },
    ]);
    expect(ratchet([error], [{ ...error, message: 'other' }])).toEqual([error]);
  });
});

describe('decide', () => {
  it('lists every error under the subject and prints a field only when the message lacks it', () => {
    const result = decide(
      'Rollout shop/web',
      [
        { severity: 'error', rule: 'a', field: 'spec.x', message: 'spec.x: Invalid value: 1: too big' },
        { severity: 'error', rule: 'b', field: 'spec.y', message: 'set it' },
        { severity: 'warning', rule: 'c', field: 'spec.z', message: 'heads up' },
      ],
      policy('deny'),
      { namespace: 'shop', labels: {} },
    );
    expect(result.message).toBe(
      'Rollout shop/web has 2 errors in its traffic routing:\n- spec.x: Invalid value: 1: too big\n- spec.y: set it',
    );
    expect(result.warnings).toEqual(['c: heads up']);
    expect(result.code).toBe(422);
  });
});
