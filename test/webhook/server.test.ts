import { Agent } from 'node:https';
import fastJsonPatch from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/routing/model.js';
import { startHarness, type Harness } from './harness.js';
import { admissionReview, argocdReapplyReview } from '../support/admission-review.js';

interface ReviewResponse {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    patchType?: string;
    patch?: string;
    warnings?: string[];
    status?: { code: number; message: string };
  };
}

const argocdReview = argocdReapplyReview();

function withRequest(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...argocdReview, request: { ...argocdReview.request, ...changes } });
}

function patchOf(body: ReviewResponse): fastJsonPatch.Operation[] {
  return body.response.patch
    ? (JSON.parse(Buffer.from(body.response.patch, 'base64').toString()) as fastJsonPatch.Operation[])
    : [];
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('POST /mutate', () => {
  it('restores the live traffic state when Argo CD re-applies mid-canary, as a narrow JSON patch', async () => {
    const res = await h.post('/mutate', JSON.stringify(argocdReview));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as ReviewResponse;
    expect(body.apiVersion).toBe('admission.k8s.io/v1');
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response.uid).toBe(argocdReview.request.uid);
    expect(body.response.allowed).toBe(true);
    expect(body.response.patchType).toBe('JSONPatch');
    const ops = patchOf(body);
    for (const op of ops)
      expect(
        op.path === '/metadata/annotations' ||
          op.path.startsWith('/metadata/annotations/') ||
          op.path.startsWith('/spec/rules/0/http/paths/'),
      ).toBe(true);
    const admitted = fastJsonPatch.applyPatch(structuredClone(argocdReview.request.object), ops).newDocument;
    expect((admitted.metadata as JsonObject).annotations).toEqual(
      (argocdReview.request.oldObject.metadata as JsonObject).annotations,
    );
    expect(admitted.spec).toEqual(argocdReview.request.oldObject.spec);
    expect(body.response.warnings?.length).toBeGreaterThan(0);
    for (const w of body.response.warnings ?? []) expect(w.length).toBeLessThanOrEqual(120);
  });

  it('answers a dry run identically', async () => {
    const real = (await h.post('/mutate', JSON.stringify(argocdReview))).json();
    const dry = (await h.post('/mutate', withRequest({ dryRun: true }))).json();
    expect(dry).toEqual(real);
  });

  it('is idempotent: the admitted object gets an empty patch', async () => {
    const first = (await h.post('/mutate', JSON.stringify(argocdReview))).json() as ReviewResponse;
    const admitted = fastJsonPatch.applyPatch(
      structuredClone(argocdReview.request.object),
      patchOf(first),
    ).newDocument;
    const second = (await h.post('/mutate', withRequest({ object: admitted }))).json() as ReviewResponse;
    expect(second.response).toEqual({ uid: argocdReview.request.uid, allowed: true });
  });

  it("never mutates the Rollouts controller's own writes", async () => {
    const res = await h.post(
      '/mutate',
      withRequest({ userInfo: { username: 'system:serviceaccount:argo-rollouts:argo-rollouts' } }),
    );
    expect((res.json() as ReviewResponse).response).toEqual({ uid: argocdReview.request.uid, allowed: true });
  });

  it('leaves an Ingress that no Rollout references alone', async () => {
    const other = structuredClone(argocdReview.request.object);
    (other.metadata as JsonObject).name = 'unrelated';
    const res = await h.post(
      '/mutate',
      withRequest({ name: 'unrelated', object: other, oldObject: undefined, operation: 'CREATE' }),
    );
    expect((res.json() as ReviewResponse).response).toEqual({ uid: argocdReview.request.uid, allowed: true });
  });

  it('allows kinds it does not handle without a patch', async () => {
    const res = await h.post(
      '/mutate',
      withRequest({ kind: { group: '', version: 'v1', kind: 'ConfigMap' } }),
    );
    expect((res.json() as ReviewResponse).response).toEqual({ uid: argocdReview.request.uid, allowed: true });
  });
});

describe('GitOps scenarios through the server', () => {
  const WEIGHT_KEY = 'alb.ingress.kubernetes.io/actions.shop-stable';
  const liveAnnotations = (argocdReview.request.oldObject.metadata as { annotations: Record<string, string> })
    .annotations;

  it('Flux server-side apply forcing a default action from git: the live weights win', async () => {
    const applied = structuredClone(argocdReview.request.oldObject) as {
      metadata: { annotations: Record<string, string> };
    };
    applied.metadata.annotations[WEIGHT_KEY] =
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"shop-stable","servicePort":"80","weight":100}]}}';
    const res = await h.post(
      '/mutate?timeout=3s',
      withRequest({
        object: applied,
        userInfo: { username: 'system:serviceaccount:flux-system:kustomize-controller' },
        options: {
          apiVersion: 'meta.k8s.io/v1',
          kind: 'PatchOptions',
          fieldManager: 'kustomize-controller',
          force: true,
        },
      }),
    );
    const body = res.json() as ReviewResponse;
    expect(patchOf(body)).toEqual([
      {
        op: 'replace',
        path: '/metadata/annotations/alb.ingress.kubernetes.io~1actions.shop-stable',
        value: liveAnnotations[WEIGHT_KEY],
      },
    ]);
    expect(body.response.warnings).toEqual([
      `${WEIGHT_KEY}: kept Rollout shop's live traffic (canary 20%), not the request's value`,
    ]);
  });

  it('Flux re-creating a deleted Ingress: CREATE gets the current weight and header route', async () => {
    const res = await h.post(
      '/mutate',
      withRequest({
        operation: 'CREATE',
        oldObject: undefined,
        userInfo: { username: 'system:serviceaccount:flux-system:kustomize-controller' },
      }),
    );
    const body = res.json() as ReviewResponse;
    const admitted = fastJsonPatch.applyPatch(
      structuredClone(argocdReview.request.object),
      patchOf(body),
    ).newDocument;
    expect((admitted.metadata as { annotations: Record<string, string> }).annotations[WEIGHT_KEY]).toBe(
      liveAnnotations[WEIGHT_KEY],
    );
    expect(admitted.spec).toEqual(argocdReview.request.oldObject.spec);
    // Nothing was overridden on CREATE: the keys were injected.
    expect(body.response.warnings).toBeUndefined();
  });
});

describe('POST /validate', () => {
  it('never returns a patch', async () => {
    const body = (await h.post('/validate', JSON.stringify(argocdReview))).json() as ReviewResponse;
    expect(body.response.patch).toBeUndefined();
    expect(body.response.patchType).toBeUndefined();
  });

  it('denies a Rollout whose Ingress backend is not wired for use-annotation, saying what to change', async () => {
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'shop', namespace: 'shop' },
      spec: {
        strategy: {
          canary: {
            stableService: 'shop-stable',
            canaryService: 'shop-stable',
            trafficRouting: { alb: { ingress: 'shop', servicePort: 80 } },
            steps: [{ setWeight: 20 }],
          },
        },
      },
    };
    const res = await h.post(
      '/validate',
      JSON.stringify(admissionReview({ kind: 'Rollout', uid: 'r-1', operation: 'CREATE', object: rollout })),
    );
    const body = res.json() as ReviewResponse;
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.code).toBe(422);
    expect(body.response.status?.message).toContain('two different services are required');
  });
});

describe('bad input', () => {
  it.each([
    ['an empty body', '', 'the request body is empty'],
    ['malformed JSON', '{"apiVersion":', 'the request body is not valid JSON'],
    [
      'a review without request',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}',
      'AdmissionReview.request is required',
    ],
    [
      'a review of another version',
      '{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}',
      'apiVersion must be',
    ],
    ['a JSON array', '[]', 'the body must be a JSON object'],
  ])('answers %s with 400 and a JSON reason', async (_name, body, reason) => {
    const res = await h.post('/mutate', body);
    expect(res.status).toBe(400);
    expect((res.json() as { error: string }).error).toContain(reason);
  });

  it('answers a wrong content type with 400', async () => {
    const res = await h.post('/validate', JSON.stringify(argocdReview), { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
    expect((res.json() as { error: string }).error).toBe(
      'content type must be application/json, got "text/plain"',
    );
  });

  it('answers a body over 7 MiB with 413', async () => {
    const res = await h.post('/mutate', Buffer.alloc(7 * 1024 * 1024 + 1, 0x20));
    expect(res.status).toBe(413);
    expect((res.json() as { error: string }).error).toBe('the request body is larger than 7340032 bytes');
  });

  it('echoes the uid of a review it cannot use', async () => {
    const res = await h.post(
      '/mutate',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x-1"}}',
    );
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'request.operation must be a non-empty string', uid: 'x-1' });
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await h.get('/nope');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 'no route for GET /nope' });
  });
});

describe('health, readiness and metrics', () => {
  it('is live and ready once the state is loaded', async () => {
    expect((await h.get('/healthz')).status).toBe(200);
    expect((await h.get('/readyz')).json()).toEqual({ status: 'ready' });
  });

  it('exports bounded-label admission metrics and zero API calls on the request path', async () => {
    await h.post('/mutate', JSON.stringify(argocdReview));
    const text = (await h.get('/metrics')).text;
    expect(text).toMatch(
      /rtw_admission_requests_total\{hook="mutate",kind="Ingress",decision="patched",dry_run="false"\} \d+/,
    );
    expect(text).toContain('rtw_admission_duration_seconds_bucket');
    // The Argo CD re-apply had three Rollout-owned ALB keys stripped (weight, header action, conditions).
    expect(text).toMatch(/rtw_ingress_overrides_total\{provider="alb",dry_run="false"\} [1-9]\d*/);
    expect(text).toMatch(/rtw_api_calls_on_request_path_total \d+/);
    expect(text).toContain('rtw_api_calls_on_request_path_total 0');
    expect(text).toMatch(/rtw_cache_synced\{resource="rollouts"\} 1/);
    expect(text).toMatch(/rtw_certificate_expiry_timestamp_seconds \d+/);
  });

  it('answers a review with the bytes of its JSON text', async () => {
    const res = await h.post('/mutate', JSON.stringify(argocdReview));
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text, 'utf8'));
    // The answer is what JSON.stringify writes for it: no escapes, no reordering.
    expect(res.text).toBe(JSON.stringify(res.json()));
  });

  it('counts a dry run apart, and records the restored keys in auditAnnotations', async () => {
    const dryRun = structuredClone(argocdReview) as { request: Record<string, unknown> };
    dryRun.request['dryRun'] = true;
    dryRun.request['uid'] = 'dry-run-1';
    const answer = (await h.post('/mutate', JSON.stringify(dryRun))).json() as {
      response: { auditAnnotations?: Record<string, string> };
    };
    expect(answer.response.auditAnnotations?.['decision']).toBe('patched');
    expect(answer.response.auditAnnotations?.['restored-keys']).toContain(
      'alb.ingress.kubernetes.io/actions.',
    );
    const text = (await h.get('/metrics')).text;
    expect(text).toMatch(
      /rtw_admission_requests_total\{hook="mutate",kind="Ingress",decision="patched",dry_run="true"\} [1-9]\d*/,
    );
    expect(text).toMatch(/rtw_ingress_overrides_total\{provider="alb",dry_run="true"\} [1-9]\d*/);
  });

  it('speaks TLS 1.2+ only and not HTTP/2', async () => {
    const { connect } = await import('node:tls');
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port: h.port,
        ca: h.ca,
        servername: 'localhost',
        maxVersion: 'TLSv1.1',
        minVersion: 'TLSv1',
      });
      socket.on('secureConnect', () => resolve('connected'));
      socket.on('error', (e) => resolve(e.message));
    });
    expect(refused).not.toBe('connected');
    const negotiate = (protocols: string[]) =>
      new Promise<string>((resolve) => {
        const socket = connect({
          host: '127.0.0.1',
          port: h.port,
          ca: h.ca,
          servername: 'localhost',
          ALPNProtocols: protocols,
        });
        socket.on('secureConnect', () => {
          resolve(String(socket.alpnProtocol));
          socket.end();
        });
        socket.on('error', (e) => resolve(`refused: ${e.message}`));
      });
    expect(await negotiate(['h2', 'http/1.1'])).toBe('http/1.1');
    expect(await negotiate(['h2'])).toMatch(/^refused: .*no application protocol/);
  });
});

describe('keep-alive', () => {
  it('serves many reviews over one connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: h.ca });
    for (let i = 0; i < 20; i++) {
      expect((await h.post('/validate', JSON.stringify(argocdReview), undefined, agent)).status).toBe(200);
    }
    agent.destroy();
  });
});
