/**
 * The handler interface every hook implements (one job per file under ../hooks), and the
 * policy they share.
 */
import type { ClusterView } from '../../routing/model.js';
import type { RulePolicy } from '../enforcement.js';
import type { AdmissionResult } from './response.js';
import type { AdmissionRequest } from './review.js';

export type Enforcement = 'deny' | 'warn';

export const DEFAULT_CONTROLLER_IDENTITIES = ['system:serviceaccount:argo-rollouts:argo-rollouts'];

export interface WebhookPolicy {
  /** Usernames of the Argo Rollouts controller: never mutated, never denied. */
  controllerIdentities: ReadonlySet<string>;
  /** `deny` refuses objects with errors; `warn` admits them and returns the errors as warnings. */
  enforcement: Enforcement;
  /** Per-rule actions and exemptions (the policy file); absent: every rule follows `enforcement`. */
  rules?: RulePolicy;
}

export interface ReviewContext {
  cluster: ClusterView;
  policy: WebhookPolicy;
  /** Epoch milliseconds by which the answer must be sent (from the apiserver's `?timeout=`). */
  deadline: number;
}

export interface AdmissionHandler {
  handle(request: AdmissionRequest, context: ReviewContext): AdmissionResult;
}

export function isController(request: AdmissionRequest, policy: WebhookPolicy): boolean {
  return policy.controllerIdentities.has(request.username);
}

export function isKind(request: AdmissionRequest, group: string, kind: string): boolean {
  return request.kind.group === group && request.kind.kind === kind;
}
