/**
 * The one code path from a decoded request body to an AdmissionReview answer, shared by the
 * HTTPS server and the `review` command so that what the CLI prints is what the server sends.
 *
 * Outcomes:
 * - a well-formed review → HTTP 200 with the AdmissionReview response;
 * - a body that is not a usable AdmissionReview → HTTP 400 with a JSON error saying why;
 * - a bug in a handler → HTTP 500 with a JSON error. Deliberately not `allowed: false`: the
 *   apiserver then applies the hook's failurePolicy, which is the cluster operator's chosen
 *   trade-off, instead of a bug silently turning into a denial.
 */
import { IngressMutator } from '../hooks/mutate-ingress.js';
import { RouteMutator } from '../hooks/mutate-route.js';
import { RouteValidator } from '../hooks/validate-route.js';
import { IngressValidator } from '../hooks/validate-ingress.js';
import { RolloutValidator } from '../hooks/validate-rollout.js';
import type { AdmissionHandler, ReviewContext } from './handler.js';
import {
  allow,
  encodeResponse,
  type AdmissionResult,
  type AdmissionReviewResponse,
  type HookKind,
} from './response.js';
import { BadReview, decodeAdmissionReview, peekUid, type AdmissionRequest } from './review.js';

const HANDLERS: Record<HookKind, ReadonlyMap<string, AdmissionHandler>> = {
  mutate: new Map<string, AdmissionHandler>([
    ['networking.k8s.io/Ingress', new IngressMutator()],
    ['gateway.networking.k8s.io/HTTPRoute', new RouteMutator()],
    ['gateway.networking.k8s.io/GRPCRoute', new RouteMutator()],
  ]),
  validate: new Map<string, AdmissionHandler>([
    ['networking.k8s.io/Ingress', new IngressValidator()],
    ['argoproj.io/Rollout', new RolloutValidator()],
    ['gateway.networking.k8s.io/HTTPRoute', new RouteValidator()],
    ['gateway.networking.k8s.io/GRPCRoute', new RouteValidator()],
  ]),
};

export interface ReviewOutcome {
  status: 200 | 400 | 500;
  body: AdmissionReviewResponse | { error: string; uid?: string };
  request?: AdmissionRequest;
  result?: AdmissionResult;
  error?: Error;
}

export function answerReview(hook: HookKind, body: unknown, context: ReviewContext): ReviewOutcome {
  let request: AdmissionRequest;
  try {
    request = decodeAdmissionReview(body);
  } catch (error) {
    if (error instanceof BadReview) {
      const uid = peekUid(body);
      return { status: 400, body: uid ? { error: error.message, uid } : { error: error.message }, error };
    }
    throw error;
  }
  try {
    const handler = HANDLERS[hook].get(`${request.kind.group}/${request.kind.kind}`);
    const result = handler ? handler.handle(request, context) : allow('kind-not-handled');
    return { status: 200, body: encodeResponse(request.uid, result, hook), request, result };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return {
      status: 500,
      body: { error: `internal error while reviewing: ${err.message}`, uid: request.uid },
      request,
      error: err,
    };
  }
}
