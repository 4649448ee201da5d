/**
 * Which Events a review produces: one per notice of the answer (a denial, an admitted
 * finding, a restored Rollout-owned key) on the object under review, plus one on the Rollout
 * that owns a restored key. Admission warnings reach kubectl but not Argo CD's UI
 * (argoproj/argo-cd#9256); Events on the Ingress and the Rollout reach both.
 *
 * Dry runs produce none: the hooks declare `sideEffects: NoneOnDryRun`, and Argo CD's
 * server-side diff and Flux's drift detection send a dry run on every refresh.
 */
import type { EventRecord, ObjectReference } from '../cluster/event-recorder.js';
import type { ClusterView, JsonObject } from '../routing/model.js';
import type { AdmissionResult, Notice } from './admission/response.js';
import type { AdmissionRequest } from './admission/review.js';

/** `reportingController` of every Event this webhook writes. */
export const EVENT_CONTROLLER = 'rollouts-traffic-webhook';

const REASONS: Record<Notice['outcome'], { reason: string; action: string }> = {
  denied: { reason: 'AdmissionDenied', action: 'Deny' },
  warned: { reason: 'AdmissionWarning', action: 'Admit' },
  overridden: { reason: 'TrafficStateRestored', action: 'Restore' },
};

function uidOf(object: JsonObject | undefined): string | undefined {
  const metadata = object?.['metadata'];
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) return undefined;
  const uid = metadata['uid'];
  return typeof uid === 'string' && uid ? uid : undefined;
}

function subjectOf(request: AdmissionRequest): ObjectReference | undefined {
  if (!request.namespace || !request.name) return undefined;
  const { group, version, kind } = request.kind;
  const uid = uidOf(request.oldObject) ?? uidOf(request.object);
  return {
    apiVersion: group ? `${group}/${version}` : version,
    kind,
    namespace: request.namespace,
    name: request.name,
    ...(uid ? { uid } : {}),
  };
}

function rolloutReference(namespace: string, name: string, cluster: ClusterView): ObjectReference {
  const uid = cluster.getRollout(namespace, name)?.uid;
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace, name, ...(uid ? { uid } : {}) };
}

export function eventsOf(
  request: AdmissionRequest,
  result: AdmissionResult,
  cluster: ClusterView,
): EventRecord[] {
  if (request.dryRun || !result.notices || result.notices.length === 0) return [];
  const subject = subjectOf(request);
  if (!subject) return [];
  const events: EventRecord[] = [];
  for (const notice of result.notices) {
    const { reason, action } = REASONS[notice.outcome];
    const note = `[${notice.rule}] ${notice.message}`;
    const rollout = notice.rollout ? rolloutReference(subject.namespace, notice.rollout, cluster) : undefined;
    events.push({ regarding: subject, related: rollout, type: 'Warning', reason, action, note });
    if (rollout) {
      events.push({
        regarding: rollout,
        related: subject,
        type: 'Warning',
        reason,
        action,
        note: `[${notice.rule}] ${subject.kind} ${subject.name}: ${notice.message}`,
      });
    }
  }
  return events;
}
