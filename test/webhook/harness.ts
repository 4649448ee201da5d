/**
 * Test harness: starts the real server (real TLS, real file-backed cluster state) on a free
 * loopback port, and an HTTPS client that trusts its dev CA.
 */
import { request as httpsRequest, type Agent } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { startServer, type RunningServer } from '../../src/commands/serve.js';
import type { ServeOptions } from '../../src/commands/options.js';
import { ensureDevCertificates } from '../../src/webhook/tls.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
  peerFingerprint?: string;
}

export interface Harness {
  running: RunningServer;
  port: number;
  certDir: string;
  ca: string;
  post(
    path: string,
    body: string | Buffer,
    headers?: Record<string, string>,
    agent?: Agent,
  ): Promise<HttpResult>;
  get(path: string, agent?: Agent): Promise<HttpResult>;
  close(): Promise<void>;
}

export async function startHarness(
  overrides: Partial<ServeOptions> = {},
  logger: Logger = pino({ level: 'silent' }),
): Promise<Harness> {
  const certDir = overrides.certDir ?? (await mkdtemp(join(tmpdir(), 'rtw-certs-')));
  await ensureDevCertificates(certDir);
  const ca = await readFile(join(certDir, 'ca.crt'), 'utf8');
  const options: ServeOptions = {
    operations: new Set(['webhook', 'audit']),
    port: 0,
    host: '127.0.0.1',
    certDir,
    state: ['examples/quickstart'],
    namespaces: [],
    controllerIdentities: ['system:serviceaccount:argo-rollouts:argo-rollouts'],
    enforcement: 'deny',
    auditIntervalSeconds: 0,
    auditCpuShare: 0.1,
    auditRejudgeEvery: 12,
    eventQueueSize: 0,
    logLevel: 'silent',
    shutdownDelaySeconds: 0,
    dev: false,
    clientNames: [],
    ...overrides,
  };
  const running = await startServer(options, logger);
  const port = Number(new URL(running.url).port);
  const send = (
    method: string,
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
    agent?: Agent,
  ) =>
    new Promise<HttpResult>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          ca,
          headers,
          agent: agent ?? false,
          servername: 'localhost',
        },
        (res) => {
          const socket = res.socket as unknown as {
            getPeerCertificate?: () => { fingerprint256?: string };
          } | null;
          const peerFingerprint = socket?.getPeerCertificate?.().fingerprint256;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json: () => JSON.parse(text) as unknown,
              peerFingerprint,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.end(body);
      else req.end();
    });
  return {
    running,
    port,
    certDir,
    ca,
    post: (path, body, headers = { 'content-type': 'application/json' }, agent) =>
      send('POST', path, body, headers, agent),
    get: (path, agent) => send('GET', path, undefined, {}, agent),
    async close() {
      await running.stop();
      if (!overrides.certDir) await rm(certDir, { recursive: true, force: true });
    },
  };
}
