/**
 * The benchmark must measure the realistic path: every generated mutate review is a GitOps
 * re-apply that the webhook answers with a patch, every validate review a Rollout it admits,
 * and the generated state is the size the issue asks for (scaled down here).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileClusterState } from '../../src/cluster/file-state.js';
import { answerReview } from '../../src/webhook/admission/dispatch.js';
import type { AdmissionReviewResponse } from '../../src/webhook/admission/response.js';
import {
  mutateReviews,
  routeReviews,
  validateReviews,
  writeClusterState,
  writeRouteClusterState,
} from '../../bench/fixtures.js';

const root = join(import.meta.dirname, '..', '..');
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
