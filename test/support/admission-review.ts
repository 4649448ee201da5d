/**
 * AdmissionReview builders shared by the tests: the review a test sends (what the apiserver
 * posts to the webhook), the request the hooks receive once it is decoded, and the worked
 * example `examples/reviews/argocd-reapply-mid-canary.json` (Argo CD re-applies an Ingress from
 * git in the middle of a canary).
 */
import { readFileSync } from 'node:fs';
import type { JsonObject } from '../../src/routing/model.js';
import type { AdmissionRequest, Operation } from '../../src/webhook/admission/review.js';

/** The kinds the webhook reviews, with the group, version and resource the apiserver sends. */
const REVIEWED_KINDS = {
  Ingress: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
  Rollout: { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' },
  HTTPRoute: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
  GRPCRoute: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'grpcroutes' },
} as const;

export type ReviewedKind = keyof typeof REVIEWED_KINDS;

export interface ReviewInput {
  kind: ReviewedKind;
  object?: JsonObject;
  oldObject?: JsonObject;
  /** Default: UPDATE when there is an old object, CREATE otherwise. */
  operation?: Operation;
  uid?: string;
  namespace?: string;
  name?: string;
  username?: string;
  groups?: string[];
  dryRun?: boolean;
}

/** An AdmissionReview body, its request open to changes a test makes. */
export interface AdmissionReviewBody extends JsonObject {
  request: JsonObject;
}

function operationOf(input: ReviewInput): Operation {
  return input.operation ?? (input.oldObject ? 'UPDATE' : 'CREATE');
}

/**
 * The AdmissionReview body the apiserver posts. Fields the input leaves out (`groups`,
 * `dryRun`, the old object) are left out of the body too, as a minimal apiserver request would.
 */
export function admissionReview(input: ReviewInput): AdmissionReviewBody {
  const { group, version, resource } = REVIEWED_KINDS[input.kind];
  const request: JsonObject = {
    uid: input.uid ?? 'u',
    kind: { group, version, kind: input.kind },
    resource: { group, version, resource },
    namespace: input.namespace ?? 'shop',
    name: input.name ?? 'shop',
    operation: operationOf(input),
    userInfo: input.groups
      ? { username: input.username ?? 'alice', groups: input.groups }
      : { username: input.username ?? 'alice' },
  };
  if (input.object) request['object'] = input.object;
  if (input.oldObject) request['oldObject'] = input.oldObject;
  if (input.dryRun !== undefined) request['dryRun'] = input.dryRun;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

/** The request as the hooks receive it (what `decodeAdmissionReview` returns). */
export function admissionRequest(input: ReviewInput): AdmissionRequest {
  const { group, version, resource } = REVIEWED_KINDS[input.kind];
  return {
    uid: input.uid ?? 'u',
    kind: { group, version, kind: input.kind },
    resource,
    namespace: input.namespace ?? 'shop',
    name: input.name ?? 'shop',
    operation: operationOf(input),
    username: input.username ?? 'alice',
    groups: input.groups ?? [],
    object: input.object,
    oldObject: input.oldObject,
    dryRun: input.dryRun ?? false,
  };
}

/** The worked example's text, as a client would send it. */
export const ARGOCD_REAPPLY_REVIEW_TEXT = readFileSync(
  'examples/reviews/argocd-reapply-mid-canary.json',
  'utf8',
);

/** The worked example: an UPDATE of Ingress shop/shop from git (`object`) over the live one (`oldObject`). */
export interface ArgocdReapplyReview extends JsonObject {
  request: JsonObject & { uid: string; object: JsonObject; oldObject: JsonObject };
}

/** A fresh copy of the worked example each call, so a test may change it. */
export function argocdReapplyReview(): ArgocdReapplyReview {
  return JSON.parse(ARGOCD_REAPPLY_REVIEW_TEXT) as ArgocdReapplyReview;
}
