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
  /** What people should see outside the response (Events); none for a plain allow. */
  notices?: Notice[];
  /**
   * Recorded by the apiserver in its audit log as `<webhook name>/<key>` (keys are qualified
   * names, see AUDIT_KEYS): why a request was denied, which keys were restored, which
   * `audit`-mode rules fired.
   */
  auditAnnotations?: Record<string, string>;
}

/** Something worth an Event on the object: a denial, an admitted finding, a restored key. */
export interface Notice {
  outcome: 'denied' | 'warned' | 'overridden';
  rule: string;
  message: string;
  /** The Rollout that owns the restored key (in the request's namespace). */
  rollout?: string;
}

/** The keys this webhook sets in auditAnnotations (each a valid qualified name). */
export const AUDIT_KEYS = {
  decision: 'decision',
  deniedRules: 'denied-rules',
  warnedRules: 'warned-rules',
  auditedRules: 'audited-rules',
  restoredKeys: 'restored-keys',
} as const;

/** Longest auditAnnotations value; the audit log is not the place for whole messages. */
const MAX_AUDIT_VALUE = 1024;

function auditValue(values: readonly string[]): string {
  const text = [...new Set(values)].join(',');
  return text.length <= MAX_AUDIT_VALUE ? text : `${text.slice(0, MAX_AUDIT_VALUE - 1)}…`;
}

/** auditAnnotations from lists of rule ids or keys; empty lists are left out. */
export function auditAnnotationsOf(
  decision: string,
  lists: Partial<Record<Exclude<keyof typeof AUDIT_KEYS, 'decision'>, readonly string[]>>,
): Record<string, string> {
  const annotations: Record<string, string> = { [AUDIT_KEYS.decision]: decision };
  for (const [name, values] of Object.entries(lists) as [keyof typeof AUDIT_KEYS, string[]][]) {
    if (values.length > 0) annotations[AUDIT_KEYS[name]] = auditValue(values);
  }
  return annotations;
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
  // Most warnings are already one line: skip the rewrite (it runs on every review), which
  // would return them unchanged.
  const oneLine = NEEDS_TIDYING.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
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
    auditAnnotations?: Record<string, string>;
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
  if (result.auditAnnotations) response.auditAnnotations = result.auditAnnotations;
  return { apiVersion: REVIEW_API_VERSION, kind: REVIEW_KIND, response };
}

/**
 * The JSON text of an AdmissionReview answer, byte for byte what `JSON.stringify` writes for
 * the object `encodeResponse` builds (same keys, same order; a test holds the two together),
 * without making the serialiser scan the patch: base64 has no character JSON escapes, and on
 * a mutating answer the patch is most of the text.
 */
export function reviewResponseJson(review: AdmissionReviewResponse): string {
  const r = review.response;
  let text = `{"apiVersion":"${review.apiVersion}","kind":"${review.kind}","response":{"uid":${JSON.stringify(r.uid)},"allowed":${r.allowed}`;
  if (r.status !== undefined) text += `,"status":${JSON.stringify(r.status)}`;
  if (r.patchType !== undefined) text += `,"patchType":"${r.patchType}"`;
  if (r.patch !== undefined) text += `,"patch":"${r.patch}"`;
  if (r.warnings !== undefined) text += `,"warnings":${JSON.stringify(r.warnings)}`;
  if (r.auditAnnotations !== undefined) text += `,"auditAnnotations":${JSON.stringify(r.auditAnnotations)}`;
  return `${text}}}`;
}
