import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCertificate } from '../../src/webhook/tls.js';
import { issue, secretVolume, testCa } from './cert-volume.js';
import { startHarness, type Harness } from './harness.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';

const review = ARGOCD_REAPPLY_REVIEW_TEXT;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('certificate rotation', () => {
  it('serves a rotated certificate to new connections without a restart (Secret-volume symlink swap)', async () => {
    const ca = await testCa();
    const volume = await secretVolume(await issue(ca), ca);
    h = await startHarness({ certDir: volume.dir });

    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1, ca: ca.cert });
    const before = await h.post('/mutate', review, undefined, keepAlive);
    expect(before.status).toBe(200);

    const next = await issue(ca);
    await volume.swap(next);
    await h.running.certificates.reload();
    const expected = (
      await loadCertificate({ certFile: join(volume.dir, 'tls.crt'), keyFile: join(volume.dir, 'tls.key') })
    ).fingerprint;

    const fresh = await h.post('/mutate', review);
    expect(fresh.status).toBe(200);
    expect(fresh.peerFingerprint).toBe(expected);
    // The connection opened before the rotation keeps working.
    expect((await h.post('/mutate', review, undefined, keepAlive)).status).toBe(200);
    keepAlive.destroy();
    await rm(volume.dir, { recursive: true, force: true });
  });

  it('keeps the current certificate when the new files are broken', async () => {
    h = await startHarness();
    const original = h.running.certificates.certificate()?.fingerprint;
    await writeFile(join(h.certDir, 'tls.crt'), 'not a certificate');
    await h.running.certificates.reload();
    expect(h.running.certificates.certificate()?.fingerprint).toBe(original);
    expect((await h.post('/mutate', review)).status).toBe(200);
    const metrics = (await h.get('/metrics')).text;
    expect(metrics).toMatch(/rtw_certificate_reloads_total\{result="error"\} [1-9]/);
  });
});

describe('graceful shutdown', () => {
  it('turns readiness off first and keeps answering during the shutdown delay', async () => {
    h = await startHarness({ shutdownDelaySeconds: 1 });
    const stopping = h.running.server.shutdown();
    const ready = await h.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json()).toEqual({ status: 'not ready', reasons: ['shutting down'] });
    const answer = await h.post('/mutate', review);
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    await stopping;
    await expect(h.get('/healthz')).rejects.toThrow();
    h = undefined;
  });
});

describe('client certificates', () => {
  it('requires an apiserver client certificate on the hooks when a client CA is set, not on probes', async () => {
    const client = await generate([{ name: 'commonName', value: 'kube-apiserver' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', keyCertSign: true, digitalSignature: true },
        { name: 'extKeyUsage', clientAuth: true },
      ],
    });
    const dir = await mkdtemp(join(tmpdir(), 'rtw-client-'));
    await writeFile(join(dir, 'client-ca.crt'), client.cert);
    h = await startHarness({ clientCa: join(dir, 'client-ca.crt') });
    expect((await h.post('/mutate', review)).status).toBe(401);
    expect((await h.get('/healthz')).status).toBe(200);
    const agent = new Agent({ ca: h.ca, cert: client.cert, key: client.private });
    expect((await h.post('/mutate', review, undefined, agent)).status).toBe(200);
    agent.destroy();
    await rm(dir, { recursive: true, force: true });
  });
});
