/**
 * The handler every hook extends (one job per file under ../hooks), and the policy they share.
 *
 * A handler declares what it covers (hook, group and kind, operations), in the way
 * cert-manager's admission handlers are built for the operations they serve
 * (cert-manager/cert-manager, pkg/webhook/admission/handler.go); `handle` enforces that
 * declaration and the controller exemption once, for every handler, so no hook re-checks them.
 */
import type { ClusterView } from '../../routing/model.js';
import type { RulePolicy } from '../enforcement.js';
import { allow, type AdmissionResult, type HookKind } from './response.js';
import type { AdmissionRequest, Operation } from './review.js';

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

/** What a handler covers: requests to `hook` for objects of `group`/`kind`, for these operations. */
export interface HandlerScope {
  hook: HookKind;
  group: string;
  kind: string;
  operations: readonly Operation[];
}

export abstract class AdmissionHandler {
  constructor(readonly scope: HandlerScope) {}

  /**
   * Allows what is outside the handler's scope, and every write of the Argo Rollouts
   * controller (never mutated, never denied); reviews the rest.
   */
  handle(request: AdmissionRequest, context: ReviewContext): AdmissionResult {
    if (request.kind.group !== this.scope.group || request.kind.kind !== this.scope.kind) {
      return allow('kind-not-handled');
    }
    if (!this.scope.operations.includes(request.operation)) return allow('operation-ignored');
    if (context.policy.controllerIdentities.has(request.username)) return allow('rollouts-controller');
    return this.review(request, context);
  }

  /** Reviews a request in scope that is not the controller's. */
  protected abstract review(request: AdmissionRequest, context: ReviewContext): AdmissionResult;
}
