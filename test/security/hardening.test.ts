/**
 * Transport and exposure hardening of the real server: TLS versions and ciphers, optional
 * client-certificate subject matching, and what an info-level log line may contain.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect, type ConnectionOptions } from 'node:tls';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { serveOptions } from '../../src/commands/options.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';
import { issueClient, testCa } from '../webhook/cert-volume.js';
import { startHarness, type Harness } from '../webhook/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Connects with `options`; resolves with the negotiated protocol and cipher, or the error code. */
function handshake(port: number, ca: string, options: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...options });
    socket.on('secureConnect', () => {
      resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
      socket.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(`refused: ${e.code}`));
  });
}

describe('TLS', () => {
  it('negotiates TLS 1.3 by default', async () => {
    h = await startHarness();
    expect(await handshake(h.port, h.ca, {})).toMatch(
      /^TLSv1\.3 TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/,
    );
  });

  it('accepts TLS 1.2 with an ECDHE AEAD suite', async () => {
    h = await startHarness();
    expect(await handshake(h.port, h.ca, { maxVersion: 'TLSv1.2' })).toMatch(
      /^TLSv1\.2 ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/,
    );
  });

  it('refuses TLS 1.1 and 1.0 (the server sends a protocol_version alert)', async () => {
    h = await startHarness();
    // SECLEVEL=0 lets this client offer the old versions, so the refusal is the server's.
    const old = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
    expect(await handshake(h.port, h.ca, old)).toBe('refused: ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  it('refuses TLS 1.2 suites without forward secrecy or AEAD', async () => {
    h = await startHarness();
    for (const weak of [
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA384',
      'AES128-GCM-SHA256',
      'AES256-SHA',
    ]) {
      const offer = { maxVersion: 'TLSv1.2', ciphers: `${weak}:@SECLEVEL=0` } as const;
      expect(await handshake(h.port, h.ca, offer), weak).toMatch(
        /^refused: ERR_SSL_SSL(V3|\/TLS)_ALERT_HANDSHAKE_FAILURE$/,
      );
    }
    // The same client with a strong suite connects: the refusals above are about the suite.
    const strong = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0' } as const;
    expect(await handshake(h.port, h.ca, strong)).toBe('TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256');
  });
});

describe('client certificate subject', () => {
  it('accepts only the listed CNs when --client-cn is set', async () => {
    const clientCa = await testCa('front-proxy CA');
    const client = async (cn: string) => {
      const leaf = await issueClient(clientCa, cn);
      return new Agent({ ca: h!.ca, cert: leaf.cert, key: leaf.key });
    };
    const dir = await mkdtemp(join(tmpdir(), 'rtw-client-'));
    await writeFile(join(dir, 'client-ca.crt'), clientCa.cert);
    h = await startHarness({ clientCa: join(dir, 'client-ca.crt'), clientNames: ['kube-apiserver'] });
    const apiserver = await client('kube-apiserver');
    const other = await client('someone-else');
    expect((await h.post('/validate', ARGOCD_REAPPLY_REVIEW_TEXT, undefined, apiserver)).status).toBe(200);
    const refused = await h.post('/validate', ARGOCD_REAPPLY_REVIEW_TEXT, undefined, other);
    expect(refused.status).toBe(403);
    expect(refused.json()).toEqual({
      error: `the client certificate's subject CN "someone-else" is not one of the accepted names`,
    });
    expect((await h.post('/validate', ARGOCD_REAPPLY_REVIEW_TEXT)).status).toBe(401);
    apiserver.destroy();
    other.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses --client-cn without --client-ca', () => {
    expect(() => serveOptions({ 'client-cn': 'kube-apiserver' }, {})).toThrow(
      /--client-cn needs --client-ca/,
    );
    expect(serveOptions({ 'client-cn': 'a, b', 'client-ca': 'ca.crt' }, {}).clientNames).toEqual(['a', 'b']);
  });
});

const all = (lines: string[]) => lines.join('\n');

describe('logs at info', () => {
  it('name the object and the decision, never annotation values, specs or other object contents', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    h = await startHarness({}, pino({ level: 'info' }, sink));
    const review = JSON.parse(ARGOCD_REAPPLY_REVIEW_TEXT) as {
      request: { object: { metadata: { annotations: Record<string, string> }; data?: object } };
    };
    review.request.object.metadata.annotations['example.com/db-password'] = 'hunter2-SECRET-VALUE';
    review.request.object.data = { token: 'c2VjcmV0LXRva2Vu' };
    for (const hook of ['/mutate', '/validate']) {
      expect((await h.post(hook, JSON.stringify(review))).status).toBe(200);
    }
    // A rejected body is logged too; its content must not be.
    await h.post('/mutate', '{"apiVersion":"hunter2-SECRET-VALUE"}');
    const reviews = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'review');
    expect(reviews.length).toBe(3);
    // fastify's own per-request lines stay off: they would log each request twice.
    expect(all(lines).match(/incoming request|request completed/)).toBeNull();
    expect(reviews[0]).toMatchObject({
      hook: 'mutate',
      kind: 'Ingress',
      object: 'shop/shop',
      decision: 'patched',
    });
    const text = all(lines);
    for (const secret of [
      'hunter2',
      'SECRET',
      'c2VjcmV0',
      'db-password',
      'shop.example.com',
      'shop-stable',
      'use-annotation',
    ])
      expect(text, secret).not.toContain(secret);
  });
});
