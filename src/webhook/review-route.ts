/**
 * The route of the two hooks (`POST /mutate`, `POST /validate`): transport only. It checks the
 * caller's client certificate and that the caches are synced, hands the body to
 * `answerReview` (the one code path shared with the `review` command), and records the
 * metrics and the one log line of each review.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { runOnRequestPath } from '../cluster/request-path.js';
import type { ClusterView } from '../routing/model.js';
import type { TrafficProviderName } from '../routing/traffic-provider.js';
import { answerReview } from './admission/dispatch.js';
import type { WebhookPolicy } from './admission/handler.js';
import { decisionOf, reviewResponseJson, type AdmissionResult, type HookKind } from './admission/response.js';
import type { AdmissionRequest } from './admission/review.js';
import { budgetFromTimeout } from './budget.js';
import { echo, logValue } from './echo.js';
import { metricKindOf, statusLabelOf, type WebhookMetrics } from './metrics.js';

export interface ReadinessSource extends ClusterView {
  isSynced(): boolean;
}

export interface ReviewRouteOptions {
  cluster: ReadinessSource;
  policy: WebhookPolicy;
  /** PEM of the CA that signs the apiserver's client certificate; when set, hooks require it. */
  clientCa?: string;
  /** With clientCa: the subject CNs accepted (any when empty). */
  clientNames?: readonly string[];
  logger: Logger;
  metrics: WebhookMetrics;
  /** Called with every answered review, after the answer is built (queues Events; no I/O). */
  onAnswered?: (request: AdmissionRequest, result: AdmissionResult) => void;
}

/**
 * Why a client certificate is not accepted (401: none or unverified; 403: CN not allowed).
 * The server checks it before the body is read (server.ts, `admitBody`).
 */
export function clientRefusal(
  socket: TLSSocket,
  names: readonly string[] | undefined,
): { status: 401 | 403; error: string } | undefined {
  if (!socket.authorized) {
    return { status: 401, error: 'a client certificate signed by the configured client CA is required' };
  }
  if (!names || names.length === 0) return undefined;
  const cn: unknown = socket.getPeerCertificate().subject?.CN;
  const cns = Array.isArray(cn) ? cn : [cn];
  if (cns.some((c) => typeof c === 'string' && names.includes(c))) return undefined;
  return {
    status: 403,
    error: `the client certificate's subject CN ${echo(cn ?? '')} is not one of the accepted names`,
  };
}

const MEASURED_ON_BYTES = { depthMeasuredOnBytes: true } as const;
const NO_OVERRIDES: readonly TrafficProviderName[] = [];

export function reviewRoute(hook: HookKind, options: ReviewRouteOptions) {
  const { logger, metrics } = options;
  // The client certificate was checked before the body was read (server.ts, `admitBody`).
  return async (req: FastifyRequest, reply: FastifyReply) => {
    // An unsynced cache is empty or partial: "no Rollout owns this Ingress" read from it would
    // be a guess. A 503 is a webhook call error, so the apiserver applies failurePolicy, which
    // is the operator's choice, instead of us allowing or denying blind.
    if (!options.cluster.isSynced()) {
      metrics.badRequests.inc({ status: statusLabelOf(503) });
      return reply.code(503).send({ error: 'cluster state not synced yet' });
    }
    const started = process.hrtime.bigint();
    const receivedAt = Date.now();
    metrics.reviewStarted();
    try {
      const deadline = budgetFromTimeout((req.query as Record<string, unknown>)?.timeout, receivedAt);
      // Marks the review so that any apiserver call made while answering would be counted
      // (rtw_api_calls_on_request_path_total); lookups are memory reads and keep it at 0.
      const context = { cluster: options.cluster, policy: options.policy, deadline };
      // The body's depth was measured on its bytes: the only body parser is the server's
      // (server.ts, `decodeBody`).
      const outcome = runOnRequestPath(() => answerReview(hook, req.body, context, MEASURED_ON_BYTES));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const kind = metricKindOf(outcome.request?.kind.kind);
      const decision = outcome.result
        ? decisionOf(outcome.result)
        : outcome.status === 400
          ? 'bad-request'
          : 'error';
      const dry_run = outcome.request?.dryRun ? 'true' : 'false';
      metrics.recordReview(
        { hook, kind, decision, dry_run },
        seconds,
        outcome.result?.overrides ?? NO_OVERRIDES,
      );
      if (outcome.request && outcome.result) options.onAnswered?.(outcome.request, outcome.result);
      if (outcome.status === 400) metrics.badRequests.inc({ status: statusLabelOf(400) });
      const r = outcome.request;
      // Every user value is cut (logValue): a 1 MiB name must not make a 1 MiB log line. Built
      // only when a line is written (below info, the per-review line is not).
      const line = () => ({
        hook,
        uid: logValue(r?.uid),
        kind: logValue(r?.kind.kind),
        object: r ? logValue(`${r.namespace ?? ''}/${r.name ?? ''}`) : undefined,
        operation: r?.operation,
        user: logValue(r?.username),
        dryRun: r?.dryRun,
        decision,
        reason: logValue(outcome.result?.reason ?? outcome.error?.message),
        patchOps: outcome.result?.patch.length ?? 0,
        warnings: outcome.result?.warnings.length ?? 0,
        latencyMs: Math.round(seconds * 1e6) / 1e3,
      });
      // The apiserver stops waiting at its timeout; an answer after it counts as a failed call
      // (failurePolicy applies), so it is counted and logged loudly.
      if (Date.now() > deadline) {
        metrics.deadlineExceeded.inc({ hook });
        logger.warn(
          { ...line(), budgetMs: deadline - receivedAt },
          'review answered after the apiserver timeout',
        );
      }
      if (outcome.status === 500) logger.error({ ...line(), err: outcome.error }, 'review failed');
      else if (logger.isLevelEnabled('info')) logger.info(line(), 'review');
      if (outcome.status !== 200) return reply.code(outcome.status).send(outcome.body);
      // Sent as bytes: for a string, fastify measures its UTF-8 length (Content-Length) and the
      // socket then encodes it again; one encoding here replaces both (a cut warning's "…"
      // makes the text two-byte, where those passes cost most). The bytes are the same.
      return reply
        .type('application/json; charset=utf-8')
        .send(Buffer.from(reviewResponseJson(outcome.body), 'utf8'));
    } finally {
      metrics.reviewEnded();
    }
  };
}
