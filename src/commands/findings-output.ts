/**
 * Where findings go besides the admission response, when `serve` watches a cluster: Events
 * on the objects (queued, written in the background) and the periodic background audit
 * into policy reports. Both use the same apiserver connection as the cache.
 */
import type { Logger } from 'pino';
import { FIRST_AUDIT_DEADLINE_MS, PolicyAudit } from '../audit/auditor.js';
import type { ChangeJournal } from '../cluster/change-journal.js';
import { apiEventSink, EventRecorder } from '../cluster/event-recorder.js';
import type { HttpKubeApi } from '../cluster/http-kube-api.js';
import type { WebhookPolicy } from '../webhook/admission/handler.js';
import type { AdmissionResult } from '../webhook/admission/response.js';
import type { AdmissionRequest } from '../webhook/admission/review.js';
import { EVENT_CONTROLLER, eventsOf } from '../webhook/events.js';
import type { WebhookMetrics } from '../webhook/metrics.js';
import type { ReadinessSource } from '../webhook/review-route.js';
import type { ServeOptions } from './options.js';

export interface FindingsOutput {
  /** Queues the Events of an answered review (no I/O). */
  onAnswered?: (request: AdmissionRequest, result: AdmissionResult) => void;
  stop(): Promise<void>;
}

/**
 * How long a stopping server keeps writing the Events still queued, the waiting repeats of a
 * series included. The chart's grace period (30 s) covers the pre-stop sleep, the drain
 * (server.shutdownDelaySeconds, 5 s) and this; one write takes milliseconds.
 */
const EVENT_FLUSH_ON_STOP_MS = 3000;

interface Context {
  cluster: ReadinessSource;
  /** Starts the cache's change journal: the incremental audit's input. */
  trackChanges: () => ChangeJournal;
  /** Puts work in front of readiness (SettledReadiness.beforeSettling). */
  beforeReady: (task: () => Promise<void>) => void;
  policy: WebhookPolicy;
  logger: Logger;
  metrics: WebhookMetrics;
}

export function startFindingsOutput(
  api: HttpKubeApi,
  options: ServeOptions,
  context: Context,
): FindingsOutput {
  const { cluster, logger, metrics } = context;
  let lastErrorLog = 0;
  const recorder =
    options.eventQueueSize > 0
      ? new EventRecorder({
          sink: apiEventSink(api),
          controller: EVENT_CONTROLLER,
          capacity: options.eventQueueSize,
          onResult: (result) => metrics.events.inc({ result }),
          onError: (error) => {
            // At most one line a minute: a missing RBAC rule would otherwise log per review.
            if (Date.now() - lastErrorLog < 60_000) return;
            lastErrorLog = Date.now();
            logger.warn({ err: error }, 'event not written (counted in rtw_events_total{result="failed"})');
          },
        })
      : undefined;
  const audit =
    options.auditIntervalSeconds > 0
      ? new PolicyAudit({
          api,
          cluster,
          changes: context.trackChanges(),
          rejudgeEvery: options.auditRejudgeEvery,
          policy: context.policy,
          namespaces: options.namespaces,
          intervalMs: options.auditIntervalSeconds * 1000,
          cpuShare: options.auditCpuShare,
          logger,
          metrics,
        })
      : undefined;
  if (audit) {
    context.beforeReady(() => audit.runFirst(FIRST_AUDIT_DEADLINE_MS));
    audit.start();
  }
  return {
    onAnswered: recorder
      ? (request, result) => {
          for (const event of eventsOf(request, result, cluster)) recorder.record(event);
        }
      : undefined,
    async stop() {
      await Promise.all([recorder?.stop(EVENT_FLUSH_ON_STOP_MS), audit?.stop()]);
    },
  };
}
