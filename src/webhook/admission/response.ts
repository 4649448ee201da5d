/**
 * Admission decisions and their encoding into an AdmissionReview response that meets
 * every rule the apiserver checks (VerifyAdmissionResponse): same apiVersion/kind, uid
 * echoed, `patch` and `patchType: JSONPatch` together or not at all, no patch from a
 * validating hook, and warnings short enough to show.
 */
import type { Operation as PatchOperation } from 'fast-json-patch';
import type { TrafficProviderName } from '../../routing/traffic-provider.js';
import { REVIEW_API_VERSION, REVIEW_KIND } from './review.js';

/** Warnings longer than this are cut; the apiserver and kubectl expect short ones. */
export const MAX_WARNING_LENGTH = 120;

export type Decision = 'allowed' | 'patched' | 'denied';

export interface AdmissionResult {
  allowed: boolean;
  /** HTTP-like code for a denial (shown to the user with the message). */
  code?: number;
  /** Why it was denied: a full sentence that says what to change. */
  message?: string;
  /** Short machine-readable reason for logs and metrics. */
  reason: string;
  patch: PatchOperation[];
  warnings: string[];
  /**
   * One entry per Rollout-owned Ingress key whose requested value the drift guard replaced,
   * by traffic provider (for `rtw_ingress_overrides_total`; `gateway-api` counts route values).
   */
  overrides?: TrafficProviderName[];
}

export function allow(reason: string, warnings: string[] = []): AdmissionResult {
  return { allowed: true, reason, patch: [], warnings };
}

export function deny(message: string, reason: string, warnings: string[] = [], code = 422): AdmissionResult {
  return { allowed: false, code, message, reason, patch: [], warnings };
}

export function patched(patch: PatchOperation[], reason: string, warnings: string[] = []): AdmissionResult {
  return { allowed: true, reason, patch, warnings };
}

export function decisionOf(result: AdmissionResult): Decision {
  if (!result.allowed) return 'denied';
  return result.patch.length > 0 ? 'patched' : 'allowed';
}

/** Whitespace other than single inner spaces: line breaks, tabs, runs, or at either end. */
const NEEDS_TIDYING = /[^\S ]| {2}|^ | $/;

/** Cuts a warning to MAX_WARNING_LENGTH characters, keeping the start (the essential part). */
export function shortWarning(text: string): string {
  // Most warnings are already one short line: skip the rewrite (it runs on every review).
  if (text.length <= MAX_WARNING_LENGTH && !NEEDS_TIDYING.test(text)) return text;
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_WARNING_LENGTH ? oneLine : `${oneLine.slice(0, MAX_WARNING_LENGTH - 1)}…`;
}

export type HookKind = 'mutate' | 'validate';

export interface AdmissionReviewResponse {
  apiVersion: typeof REVIEW_API_VERSION;
  kind: typeof REVIEW_KIND;
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string; reason?: string };
    patchType?: 'JSONPatch';
    patch?: string;
    warnings?: string[];
  };
}

export function encodeResponse(
  uid: string,
  result: AdmissionResult,
  hook: HookKind,
): AdmissionReviewResponse {
  const response: AdmissionReviewResponse['response'] = { uid, allowed: result.allowed };
  if (!result.allowed) {
    response.status = {
      code: result.code ?? 422,
      message: result.message ?? 'denied by rollouts-traffic-webhook',
      reason: result.code === 403 ? 'Forbidden' : 'Invalid',
    };
  }
  // A validating hook never returns a patch; a patch is only sent with an allowed answer.
  if (hook === 'mutate' && result.allowed && result.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(result.patch)).toString('base64');
  }
  const warnings = [...new Set(result.warnings.map(shortWarning))];
  if (warnings.length > 0) response.warnings = warnings;
  return { apiVersion: REVIEW_API_VERSION, kind: REVIEW_KIND, response };
}
