/**
 * The benchmark must measure the realistic path: every generated mutate review is a GitOps
 * re-apply that the webhook answers with a patch, every validate review a Rollout it admits,
 * and the generated state is the size the issue asks for (scaled down here).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileClusterState } from '../../src/cluster/file-state.js';
import { answerReview } from '../../src/webhook/admission/dispatch.js';
import type { AdmissionReviewResponse } from '../../src/webhook/admission/response.js';
import {
  apiserverWorkload,
  mutateReviews,
  routeReviews,
  validateReviews,
  writeClusterState,
  writeRouteClusterState,
  type WorkloadApp,
} from '../../bench/fixtures.js';

const root = join(import.meta.dirname, '..', '..');
const { applyPatch } = fastJsonPatch;
const APPS = 40;
const policy = {
  controllerIdentities: new Set(['system:serviceaccount:argo-rollouts:argo-rollouts']),
  enforcement: 'deny' as const,
};

describe('benchmark fixtures', () => {
  let dir: string;
  let state: FileClusterState;
  let objects: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtw-bench-fixtures-'));
    objects = await writeClusterState(root, dir, APPS);
    state = new FileClusterState([dir]);
    await state.start();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('writes one Rollout, one Ingress and two Services per app, plus the IngressClass', () => {
    expect(objects).toBe(APPS * 4 + 1);
    expect(state.loadErrors()).toEqual([]);
    const counts = state.status().resources;
    expect(counts.rollouts.objects).toBe(APPS);
    expect(counts.ingresses.objects).toBe(APPS);
    expect(counts.services.objects).toBe(APPS * 2);
    expect(counts.ingressclasses.objects).toBe(1);
  });

  it('makes mutate reviews that the drift guard answers with a patch for their own app', async () => {
    const bodies = await mutateReviews(root, APPS);
    expect(new Set(bodies).size).toBe(bodies.length);
    for (const body of bodies) {
      const review = JSON.parse(body) as { request: { name: string; namespace: string } };
      expect(state.rolloutsReferencingIngress(review.request.namespace, review.request.name)).toHaveLength(1);
      const outcome = answerReview('mutate', review, {
        cluster: state,
        policy,
        deadline: Date.now() + 10_000,
      });
      const response = (outcome.body as AdmissionReviewResponse).response;
      expect(outcome.status).toBe(200);
      expect(response.allowed).toBe(true);
      const patch = Buffer.from(response.patch ?? '', 'base64').toString();
      expect(patch).toContain(`actions.${review.request.name}-stable`);
    }
  });

  it('makes validate reviews of Rollout updates that are admitted', async () => {
    const bodies = await validateReviews(root, APPS);
    for (const body of bodies) {
      const outcome = answerReview('validate', JSON.parse(body), {
        cluster: state,
        policy,
        deadline: Date.now() + 10_000,
      });
      expect(outcome.status).toBe(200);
      expect((outcome.body as AdmissionReviewResponse).response.allowed).toBe(true);
    }
  });
});

describe('benchmark fixtures of the Gateway API target', () => {
  let dir: string;
  let state: FileClusterState;
  let objects: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtw-bench-routes-'));
    objects = await writeRouteClusterState(root, dir, APPS);
    state = new FileClusterState([dir]);
    await state.start();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('writes one Rollout, one HTTPRoute and two Services per app', () => {
    expect(objects).toBe(APPS * 4);
    expect(state.loadErrors()).toEqual([]);
    const counts = state.status().resources;
    expect(counts.rollouts.objects).toBe(APPS);
    expect(counts.services.objects).toBe(APPS * 2);
  });

  it('makes HTTPRoute re-applies that the hook patches back to 80/20 with the header rule', async () => {
    const bodies = await routeReviews(root, APPS);
    expect(new Set(bodies).size).toBe(bodies.length);
    for (const body of bodies) {
      const outcome = answerReview('mutate', JSON.parse(body), {
        cluster: state,
        policy,
        deadline: Date.now() + 10_000,
      });
      expect(outcome.status).toBe(200);
      const response = (outcome.body as AdmissionReviewResponse).response;
      expect(response.allowed).toBe(true);
      const ops = (
        JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString()) as { path: string }[]
      ).map((op) => op.path);
      expect(ops).toEqual([
        '/metadata/labels',
        '/spec/rules/0/backendRefs/0/weight',
        '/spec/rules/0/backendRefs/1/weight',
        '/spec/rules/1',
      ]);
    }
  });
});

/**
 * bench/apiserver-writes.ts claims every managed write is patched and every unmanaged one is
 * admitted untouched: answered here by the same hooks, from the objects that bench creates.
 */
describe('apiserver-writes workload', () => {
  const MANAGED = 6;
  const UNMANAGED = 4;
  let dir: string;
  let state: FileClusterState;
  let apps: WorkloadApp[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtw-bench-workload-'));
    const workload = await apiserverWorkload(root, MANAGED, UNMANAGED);
    apps = workload.apps;
    const items = [workload.ingressClass, ...apps.flatMap((a) => a.objects)];
    await writeFile(join(dir, 'state.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    state = new FileClusterState([dir]);
    await state.start();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  function review(
    hook: 'mutate' | 'validate',
    app: WorkloadApp,
    object = app.gitIngress,
  ): AdmissionReviewResponse['response'] {
    const metadata = object['metadata'] as { name: string; namespace: string };
    const live = app.objects.find((o) => o['kind'] === 'Ingress')!;
    const outcome = answerReview(
      hook,
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: `workload-${metadata.name}`,
          kind: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' },
          resource: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
          name: metadata.name,
          namespace: metadata.namespace,
          operation: 'UPDATE',
          userInfo: { username: 'e2e-admin', groups: ['system:masters', 'system:authenticated'] },
          object,
          oldObject: live,
          dryRun: false,
        },
      },
      { cluster: state, policy, deadline: Date.now() + 10_000 },
    );
    expect(outcome.status).toBe(200);
    return (outcome.body as AdmissionReviewResponse).response;
  }

  it('creates what the bench counts on: Services, the live Ingress and a Rollout with status per managed app', () => {
    expect(apps.filter((a) => a.managed)).toHaveLength(MANAGED);
    expect(apps.filter((a) => !a.managed)).toHaveLength(UNMANAGED);
    expect(state.loadErrors()).toEqual([]);
    const counts = state.status().resources;
    expect(counts.rollouts.objects).toBe(MANAGED);
    expect(counts.ingresses.objects).toBe(MANAGED + UNMANAGED);
    expect(counts.services.objects).toBe(MANAGED * 2 + UNMANAGED);
    for (const app of apps.filter((a) => a.managed))
      expect(app.objects.find((o) => o['kind'] === 'Rollout')?.['status']).toBeDefined();
  });

  it('has every managed git write patched back to the live action and admitted', () => {
    for (const app of apps.filter((a) => a.managed)) {
      const name = (app.gitIngress['metadata'] as { name: string }).name;
      const mutated = review('mutate', app);
      expect(mutated.allowed).toBe(true);
      const patch = Buffer.from(mutated.patch ?? '', 'base64').toString();
      expect(patch).toContain(`actions.${name}-stable`);
      // The apiserver calls the validating hook with the mutated object.
      const patched = applyPatch(
        structuredClone(app.gitIngress),
        JSON.parse(patch) as Operation[],
      ).newDocument;
      expect(review('validate', app, patched).allowed).toBe(true);
      expect(review('validate', app).allowed).toBe(false);
    }
  });

  it('has every unmanaged write admitted without a patch', () => {
    for (const app of apps.filter((a) => !a.managed)) {
      expect(
        state.rolloutsReferencingIngress(
          app.namespace,
          (app.gitIngress['metadata'] as { name: string }).name,
        ),
      ).toEqual([]);
      const mutated = review('mutate', app);
      expect(mutated.allowed).toBe(true);
      expect(mutated.patch).toBeUndefined();
      expect(review('validate', app).allowed).toBe(true);
    }
  });
});
