/**
 * The HTTPS server: fastify over TLS (HTTP/1.1 only, TLS >= 1.2, AEAD ciphers), routes for the
 * two hooks, health, readiness and metrics, certificate hot reload, and a graceful shutdown
 * that never fails a request that already reached us.
 */
import type { Server as HttpsServer } from 'node:https';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { WebhookPolicy } from './admission/handler.js';
import type { WebhookMetrics } from './metrics.js';
import type { CertificateWatcher } from './tls.js';
import { reviewRoute, type ReadinessSource } from './review-route.js';

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

  app.post('/mutate', reviewRoute('mutate', options));
  app.post('/validate', reviewRoute('validate', options));
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
