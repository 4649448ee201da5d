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
import { IngressValidator } from '../hooks/validate-ingress.js';
import { RolloutValidator } from '../hooks/validate-rollout.js';
import { RouteValidator } from '../hooks/validate-route.js';
import type { AdmissionHandler, ReviewContext } from './handler.js';
import {
  allow,
  encodeResponse,
  type AdmissionResult,
  type AdmissionReviewResponse,
  type HookKind,
} from './response.js';
import {
  BadReview,
  decodeAdmissionReview,
  peekUid,
  type AdmissionRequest,
  type BodyOrigin,
} from './review.js';

/** Every handler, found by the hook, group and kind it declares. */
const HANDLERS: ReadonlyMap<string, AdmissionHandler> = new Map(
  [
    new IngressMutator(),
    new IngressValidator(),
    new RolloutValidator(),
    new RouteMutator('HTTPRoute'),
    new RouteMutator('GRPCRoute'),
    new RouteValidator('HTTPRoute'),
    new RouteValidator('GRPCRoute'),
  ].map((handler) => {
    const { hook, group, kind } = handler.scope;
    return [handlerKey(hook, group, kind), handler];
  }),
);

function handlerKey(hook: HookKind, group: string, kind: string): string {
  return `${hook} ${group}/${kind}`;
}

/** A review answered (200), or refused as unusable (400) or failed (500) with a JSON error. */
export type ReviewOutcome =
  | {
      status: 200;
      body: AdmissionReviewResponse;
      request: AdmissionRequest;
      result: AdmissionResult;
      error?: undefined;
    }
  | {
      status: 400 | 500;
      body: { error: string; uid?: string };
      request?: AdmissionRequest;
      result?: undefined;
      error: Error;
    };

export function answerReview(
  hook: HookKind,
  body: unknown,
  context: ReviewContext,
  origin: BodyOrigin = {},
): ReviewOutcome {
  let request: AdmissionRequest;
  try {
    request = decodeAdmissionReview(body, origin);
  } catch (error) {
    if (error instanceof BadReview) {
      const uid = peekUid(body);
      return { status: 400, body: uid ? { error: error.message, uid } : { error: error.message }, error };
    }
    throw error;
  }
  try {
    const handler = HANDLERS.get(handlerKey(hook, request.kind.group, request.kind.kind));
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
