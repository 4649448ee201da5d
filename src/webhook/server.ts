/**
 * The HTTPS server: fastify over TLS (HTTP/1.1 only, TLS >= 1.2, AEAD ciphers), routes for the
 * two hooks, health, readiness and metrics, certificate hot reload, and a graceful shutdown
 * that never fails a request that already reached us.
 */
import type { Server as HttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
} from 'fastify';
import type { Logger } from 'pino';
import type { WebhookPolicy } from './admission/handler.js';
import type { HookKind } from './admission/response.js';
import { MAX_NESTING_DEPTH } from './admission/nesting.js';
import { BodyBudget, bodyBudgetFromHeapLimit } from './body-budget.js';
import { guardConnections, type ConnectionGuard } from './connection-guard.js';
import { echo, MAX_ECHO_CHARS, truncated } from './echo.js';
import { statusLabelOf, type WebhookMetrics } from './metrics.js';
import { measureJson, parseCostBytes } from '../routing/wire/index.js';
import type { CertificateWatcher } from './tls.js';
import { clientRefusal, reviewRoute, type ReadinessSource, type ReviewRouteOptions } from './review-route.js';

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
  /** Open connections; beyond it the least useful socket is closed (connection-guard.ts). */
  maxConnections: number;
  /** Connections still in their TLS handshake; beyond it the oldest silent one is closed. */
  maxHandshakes: number;
  /**
   * Memory for request bodies in flight, in bytes (see body-budget.ts); by default a share
   * of the heap limit.
   */
  bodyBudgetBytes?: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Long, so the apiserver reuses its connection instead of paying a TLS handshake per review.
  keepAliveTimeoutMs: 75_000,
  // A real client (the apiserver) completes its handshake in milliseconds.
  handshakeTimeoutMs: 5_000,
  maxConnections: 1024,
  maxHandshakes: 128,
};

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
  /** Called with every answered review (queues Events; no I/O). */
  onAnswered?: ReviewRouteOptions['onAnswered'];
  /**
   * Whether the hooks' routes are served. A server that runs only the background audit keeps
   * its probes and metrics and answers the hooks' paths 404, so a review sent to it by mistake
   * fails under the hook's failurePolicy, visibly.
   */
  admission: boolean;
}

export interface WebhookServer {
  app: FastifyInstance<HttpsServer>;
  connections: ConnectionGuard;
  listen(port: number, host: string): Promise<string>;
  /** Readiness false, wait the delay, stop accepting, drain in-flight requests. */
  shutdown(): Promise<void>;
}

/** The hooks, each served at `/<kind>`. */
const HOOK_KINDS: readonly HookKind[] = ['mutate', 'validate'];
const HOOK_PATHS: ReadonlySet<string> = new Set(HOOK_KINDS.map((kind) => `/${kind}`));

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Statuses answered before a review runs, with a Connection: close (see `refuseEarly`). */
const BODY_TOO_LARGE = 413;
const BUDGET_EXHAUSTED = 429;

/**
 * What one request holds of the body budget; given back when its response ends or its
 * connection closes, whichever comes first (both fire `close` on the response).
 */
interface BodyReservation {
  bytes: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set by `admitBody` before the body is read (a request decoration, declared once with
     * `decorateRequest`, so every request keeps the same shape; no side table per request).
     */
    bodyReservation: BodyReservation | null;
  }
}

/** Reads a JSON body as a stream, checking size, budget and shape before anything is parsed. */
function jsonBodyReader(budget: BodyBudget) {
  return (
    req: FastifyRequest,
    payload: IncomingMessage,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
    const reservation = req.bodyReservation ?? { bytes: 0 };
    // With a Content-Length the whole body was reserved before it was read (onRequest).
    const reservedUpFront = reservation.bytes > 0;
    const chunks: Buffer[] = [];
    let received = 0;
    let finished = false;
    const fail = (error: HttpError) => {
      if (finished) return;
      finished = true;
      payload.removeAllListeners('data');
      // Stop reading: the rest of the body is not wanted (the socket is closed after the answer).
      payload.pause();
      chunks.length = 0;
      done(error);
    };
    payload.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_BODY_BYTES) return fail(new HttpError(BODY_TOO_LARGE, bodyTooLarge()));
      if (!reservedUpFront) {
        if (!budget.tryReserve(chunk.length)) return fail(new HttpError(BUDGET_EXHAUSTED, budgetExhausted()));
        reservation.bytes += chunk.length;
      }
      chunks.push(chunk);
    });
    payload.on('error', (error) =>
      fail(new HttpError(400, `the request body could not be read: ${error.message}`)),
    );
    payload.on('end', () => {
      if (finished) return;
      finished = true;
      const body = Buffer.concat(chunks, received);
      chunks.length = 0;
      try {
        done(null, decodeBody(body, budget, reservation));
      } catch (error) {
        done(error as Error);
      }
    });
  };
}

/**
 * Checks the bytes (depth, decoding cost against the budget), then parses. Plain JSON.parse:
 * a `__proto__` key becomes an ordinary own property (no prototype change), and every reader
 * downstream uses own-property lookups.
 */
function decodeBody(body: Buffer, budget: BodyBudget, reservation: BodyReservation): unknown {
  if (body.length === 0)
    throw new HttpError(400, 'the request body is empty; send an AdmissionReview as JSON');
  const shape = measureJson(body, MAX_NESTING_DEPTH);
  if (shape.depth > MAX_NESTING_DEPTH)
    throw new HttpError(400, `the body nests arrays and objects more than ${MAX_NESTING_DEPTH} levels deep`);
  const cost = parseCostBytes(body.length, shape);
  if (cost + reservation.bytes > budget.limitBytes) {
    throw new HttpError(
      BODY_TOO_LARGE,
      `decoding this body would take about ${mebibytes(cost)} MiB of memory, more than the ` +
        `${mebibytes(budget.limitBytes)} MiB this webhook allows for bodies`,
    );
  }
  if (!budget.tryReserve(cost)) throw new HttpError(BUDGET_EXHAUSTED, budgetExhausted());
  reservation.bytes += cost;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(
      400,
      `the request body is not valid JSON: ${truncated((error as Error).message, MAX_ECHO_CHARS)}`,
    );
  }
  return value;
}

function mebibytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

function bodyTooLarge(): string {
  return `the request body is larger than ${MAX_BODY_BYTES} bytes`;
}

function budgetExhausted(): string {
  return 'too many request bodies in flight for the memory this webhook allows; retry';
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
    // Nothing logs through request.log (the route and the error handler use the logger
    // itself), so no child logger is built per request.
    childLoggerFactory: (parent) => parent,
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
  const connections = guardConnections(app.server, limits);
  metrics.certificateExpiry.set(initial.notAfter.getTime() / 1000);

  const budget = new BodyBudget(limits.bodyBudgetBytes ?? bodyBudgetFromHeapLimit());
  metrics.observeServer({
    bodyBytesReserved: () => budget.inUse(),
    connectionsEvicted: () => connections.evicted(),
  });
  app.decorateRequest('bodyReservation', null);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', jsonBodyReader(budget));
  app.addContentTypeParser('*', (req, _payload, done) => {
    done(
      new HttpError(
        400,
        `content type must be application/json, got ${echo(req.headers['content-type'] ?? '')}`,
      ),
    );
  });

  /** Answers before the body is read, and closes the connection so its body is not either. */
  const refuseEarly = (reply: FastifyReply, status: number, error: string) => {
    metrics.badRequests.inc({ status: statusLabelOf(status) });
    return reply.code(status).header('connection', 'close').send({ error });
  };

  /**
   * Runs before the body is read: a client without an accepted certificate is refused, and
   * a body announced by its Content-Length is checked against the size limit and reserved in
   * the budget, so that neither costs any memory. Callback style (no promise per request);
   * a refusal answers without calling `done`, which ends the request there.
   */
  const admitBody = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const refusal = options.clientCa
      ? clientRefusal(req.raw.socket as TLSSocket, options.clientNames)
      : undefined;
    if (refusal) return void refuseEarly(reply, refusal.status, refusal.error);
    const announced = Number(req.headers['content-length'] ?? 0);
    if (announced > MAX_BODY_BYTES) return void refuseEarly(reply, BODY_TOO_LARGE, bodyTooLarge());
    const reservation: BodyReservation = { bytes: 0 };
    if (announced > 0) {
      if (!budget.tryReserve(announced)) return void refuseEarly(reply, BUDGET_EXHAUSTED, budgetExhausted());
      reservation.bytes = announced;
    }
    req.bodyReservation = reservation;
    reply.raw.once('close', () => budget.release(reservation.bytes));
    done();
  };

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `the request body is larger than ${MAX_BODY_BYTES} bytes`
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'content type must be application/json'
          : error.message;
    metrics.badRequests.inc({ status: statusLabelOf(status) });
    if (status >= 500) logger.error({ err: error }, 'request failed');
    // A body refused for its size or the budget may still be arriving: close, do not read it.
    if (status === BODY_TOO_LARGE || status === BUDGET_EXHAUSTED) void reply.header('connection', 'close');
    void reply.code(status).send({ error: message });
  });
  const { admission } = options;
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const error =
      !admission && HOOK_PATHS.has(path)
        ? `${path} is not served here: this server answers no admission reviews, it runs only the background audit`
        : `no route for ${req.method} ${path}`;
    void reply.code(404).send({ error });
  });

  // While shutting down, answer whatever still arrives on open connections, but ask the
  // client to reconnect (to another replica) afterwards.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });

  if (admission) {
    for (const kind of HOOK_KINDS) app.post(`/${kind}`, { onRequest: admitBody }, reviewRoute(kind, options));
  }
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
    connections,
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
