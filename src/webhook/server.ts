/**
 * The HTTPS server: fastify over TLS (HTTP/1.1 only, TLS >= 1.2, AEAD ciphers), routes for the
 * two hooks, health, readiness and metrics, certificate hot reload, and a graceful shutdown
 * that never fails a request that already reached us.
 */
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { ClusterView } from '../routing/model.js';
import { runOnRequestPath } from '../cluster/request-path.js';
import { answerReview } from './admission/dispatch.js';
import type { WebhookPolicy } from './admission/handler.js';
import { decisionOf, type AdmissionResult, type HookKind } from './admission/response.js';
import type { AdmissionRequest } from './admission/review.js';
import { budgetFromTimeout } from './budget.js';
import type { WebhookMetrics } from './metrics.js';
import type { CertificateWatcher } from './tls.js';

/** controller-runtime's limit: two 3 MiB objects (old and new) plus 1 MiB of envelope. */
export const MAX_BODY_BYTES = 7 * 1024 * 1024;

/** Strong TLS 1.2 suites (ECDHE + AEAD); TLS 1.3 suites are always on and preferred. */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * How long a client may take and how many may connect. The defaults are production values;
 * tests shorten them (they are not CLI flags: nobody should need to tune them).
 */
export interface ConnectionLimits {
  /** Time to send the request headers: ends slowloris-style clients. */
  headersTimeoutMs: number;
  /** Time to send the whole request, body included: ends a body that never completes. */
  requestTimeoutMs: number;
  /** Idle time allowed between requests on a kept-alive connection. */
  keepAliveTimeoutMs: number;
  /** Time to complete the TLS handshake (Node's default is 120 s). */
  handshakeTimeoutMs: number;
  /** Open connections beyond this are refused at accept. */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Long, so the apiserver reuses its connection instead of paying a TLS handshake per review.
  keepAliveTimeoutMs: 75_000,
  handshakeTimeoutMs: 10_000,
  maxConnections: 1024,
};

export interface ReadinessSource extends ClusterView {
  isSynced(): boolean;
}

export interface ServerOptions {
  cluster: ReadinessSource;
  policy: WebhookPolicy;
  certificates: CertificateWatcher;
  /** PEM of the CA that signs the apiserver's client certificate; when set, hooks require it. */
  clientCa?: string;
  /** With clientCa: the subject CNs accepted (any when empty), e.g. the apiserver's client certificate. */
  clientNames?: readonly string[];
  logger: Logger;
  metrics: WebhookMetrics;
  /** Seconds to keep serving after readiness turns false on shutdown (endpoints propagation). */
  shutdownDelaySeconds?: number;
  limits?: Partial<ConnectionLimits>;
  /** Called with every answered review, after the answer is built (queues Events; no I/O). */
  onAnswered?: (request: AdmissionRequest, result: AdmissionResult) => void;
}

export interface WebhookServer {
  app: FastifyInstance<HttpsServer>;
  listen(port: number, host: string): Promise<string>;
  /** Readiness false, wait the delay, stop accepting, drain in-flight requests. */
  shutdown(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

function parseJsonBody(
  _req: FastifyRequest,
  body: Buffer,
  done: (err: Error | null, value?: unknown) => void,
): void {
  if (body.length === 0) {
    done(new HttpError(400, 'the request body is empty; send an AdmissionReview as JSON'));
    return;
  }
  try {
    // Plain JSON.parse: a `__proto__` key becomes an ordinary own property (no prototype
    // change), and every reader downstream uses own-property lookups.
    done(null, JSON.parse(body.toString('utf8')));
  } catch (error) {
    done(new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`));
  }
}

/** Why a client certificate is not accepted (401: none or unverified; 403: CN not allowed). */
function clientRefusal(
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
    error: `the client certificate's subject CN ${JSON.stringify(cn ?? '')} is not one of the accepted names`,
  };
}

export function createServer(options: ServerOptions): WebhookServer {
  const { logger, metrics, certificates } = options;
  const initial = certificates.certificate();
  if (!initial) throw new Error('the certificate watcher must be started before the server is created');
  let closing = false;
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One log line per review is written by the hook route itself; fastify's own
    // per-request lines would double the volume.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http2: false,
    https: {
      // Node checks the header and request timeouts only every 30 s by default, which would
      // let a stalled client hold its connection up to 30 s past its timeout.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2),
      handshakeTimeout: limits.handshakeTimeoutMs,
      cert: initial.cert,
      key: initial.key,
      minVersion: 'TLSv1.2',
      ciphers: TLS12_CIPHERS,
      honorCipherOrder: true,
      ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
    },
  });
  app.server.headersTimeout = limits.headersTimeoutMs;
  app.server.maxConnections = limits.maxConnections;
  metrics.certificateExpiry.set(initial.notAfter.getTime() / 1000);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody);
  app.addContentTypeParser('*', (req, _payload, done) => {
    done(
      new HttpError(
        400,
        `content type must be application/json, got ${JSON.stringify(req.headers['content-type'] ?? '')}`,
      ),
    );
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `the request body is larger than ${MAX_BODY_BYTES} bytes`
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'content type must be application/json'
          : error.message;
    metrics.badRequests.inc({ status: String(status) });
    if (status >= 500) logger.error({ err: error }, 'request failed');
    void reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });

  // While shutting down, answer whatever still arrives on open connections, but ask the
  // client to reconnect (to another replica) afterwards.
  app.addHook('onSend', async (_req, reply) => {
    if (closing) void reply.header('connection', 'close');
  });

  const review = (hook: HookKind) => async (req: FastifyRequest, reply: FastifyReply) => {
    const refusal = options.clientCa
      ? clientRefusal(req.raw.socket as TLSSocket, options.clientNames)
      : undefined;
    if (refusal) {
      metrics.badRequests.inc({ status: String(refusal.status) });
      return reply.code(refusal.status).send({ error: refusal.error });
    }
    // An unsynced cache is empty or partial: "no Rollout owns this Ingress" read from it would
    // be a guess. A 503 is a webhook call error, so the apiserver applies failurePolicy, which
    // is the operator's choice, instead of us allowing or denying blind.
    if (!options.cluster.isSynced()) {
      metrics.badRequests.inc({ status: '503' });
      return reply.code(503).send({ error: 'cluster state not synced yet' });
    }
    const started = process.hrtime.bigint();
    const receivedAt = Date.now();
    metrics.inFlight.inc();
    try {
      const deadline = budgetFromTimeout((req.query as Record<string, unknown>)?.timeout, receivedAt);
      // Marks the review so that any apiserver call made while answering would be counted
      // (rtw_api_calls_on_request_path_total); lookups are memory reads and keep it at 0.
      const context = { cluster: options.cluster, policy: options.policy, deadline };
      const outcome = runOnRequestPath(() => answerReview(hook, req.body, context));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const kind = outcome.request?.kind.kind ?? 'unknown';
      const decision = outcome.result
        ? decisionOf(outcome.result)
        : outcome.status === 400
          ? 'bad-request'
          : 'error';
      const dry_run = outcome.request?.dryRun ? 'true' : 'false';
      metrics.admissionDuration.observe({ hook, kind, decision, dry_run }, seconds);
      metrics.admissionRequests.inc({ hook, kind, decision, dry_run });
      for (const provider of outcome.result?.overrides ?? []) metrics.overrides.inc({ provider, dry_run });
      if (outcome.request && outcome.result) options.onAnswered?.(outcome.request, outcome.result);
      if (outcome.status === 400) metrics.badRequests.inc({ status: '400' });
      const r = outcome.request;
      const line = {
        hook,
        uid: r?.uid,
        kind,
        object: r ? `${r.namespace ?? ''}/${r.name ?? ''}` : undefined,
        operation: r?.operation,
        user: r?.username,
        dryRun: r?.dryRun,
        decision,
        reason: outcome.result?.reason ?? outcome.error?.message,
        patchOps: outcome.result?.patch.length ?? 0,
        warnings: outcome.result?.warnings.length ?? 0,
        latencyMs: Math.round(seconds * 1e6) / 1e3,
      };
      // The apiserver stops waiting at its timeout; an answer after it counts as a failed call
      // (failurePolicy applies), so it is counted and logged loudly.
      if (Date.now() > deadline) {
        metrics.deadlineExceeded.inc({ hook });
        logger.warn(
          { ...line, budgetMs: deadline - receivedAt },
          'review answered after the apiserver timeout',
        );
      }
      if (outcome.status === 500) logger.error({ ...line, err: outcome.error }, 'review failed');
      else logger.info(line, 'review');
      return reply.code(outcome.status).send(outcome.body);
    } finally {
      metrics.inFlight.dec();
    }
  };

  app.post('/mutate', review('mutate'));
  app.post('/validate', review('validate'));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const reasons: string[] = [];
    if (closing) reasons.push('shutting down');
    if (!options.cluster.isSynced()) reasons.push('cluster-state caches have not completed their first sync');
    if (reasons.length > 0) return reply.code(503).send({ status: 'not ready', reasons });
    return { status: 'ready' };
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });

  return {
    app,
    async listen(port, host) {
      return app.listen({ port, host });
    },
    async shutdown() {
      closing = true;
      const delay = (options.shutdownDelaySeconds ?? 0) * 1000;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      await app.close();
    },
  };
}

/** Applies a rotated certificate to new TLS connections; open connections keep theirs. */
export function applyCertificate(server: WebhookServer, cert: string, key: string, clientCa?: string): void {
  (server.app.server as unknown as { setSecureContext(o: object): void }).setSecureContext({
    cert,
    key,
    ...(clientCa ? { ca: clientCa } : {}),
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
  });
}
