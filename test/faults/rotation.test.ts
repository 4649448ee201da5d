/**
 * Certificate rotation under load: clients keep sending reviews on kept-alive connections
 * and on a new connection per request while the Secret volume is swapped several times,
 * once to a broken pair. Not one request may fail, and new connections must see each new
 * certificate without a restart.
 */
import { rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../webhook/harness.js';
import { issue, secretVolume, testCa, type Pair, type SecretVolume } from '../webhook/cert-volume.js';
import { eventually } from './cluster-server.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';

const review = ARGOCD_REAPPLY_REVIEW_TEXT;
const ROTATIONS = 5;

let h: Harness | undefined;
let volumeDir: string | undefined;
afterAll(async () => {
  await h?.close();
  if (volumeDir) await rm(volumeDir, { recursive: true, force: true });
});

const fingerprint = (pair: Pair) => new X509Certificate(pair.cert).fingerprint256;

/** Swaps in ROTATIONS new certificates, and a broken pair after the second. */
async function rotate(harness: Harness, volume: SecretVolume, ca: Pair): Promise<void> {
  for (let i = 1; i <= ROTATIONS; i++) {
    const next = await issue(ca);
    await volume.swap(next);
    // Picked up by the folder watch (no manual reload): new connections get the new certificate.
    // Within the 10 s poll even if a watch event were missed; normally at once.
    await eventually(
      async () => expect((await harness.post('/validate', review)).peerFingerprint).toBe(fingerprint(next)),
      15_000,
    );
    if (i === 2) {
      // A broken pair: refused, the current certificate keeps serving.
      const current = harness.running.certificates.certificate()?.fingerprint;
      await volume.swap({ cert: 'not a certificate', key: next.key });
      await harness.running.certificates.reload();
      expect(harness.running.certificates.certificate()?.fingerprint).toBe(current);
    }
  }
}

describe('certificate rotation under load', () => {
  it(`loses no request across ${ROTATIONS} rotations and a broken one`, { timeout: 60_000 }, async () => {
    const ca = await testCa();
    const volume = await secretVolume(await issue(ca), ca);
    volumeDir = volume.dir;
    const harness = (h = await startHarness({ certDir: volume.dir }));
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 2, ca: ca.cert });
    const tally = { ok: 0, failed: [] as string[], fresh: 0, kept: 0 };
    let running = true;

    const client = async (reuse: boolean) => {
      while (running) {
        try {
          const res = await harness.post('/mutate', review, undefined, reuse ? keepAlive : undefined);
          if (res.status === 200) tally.ok++;
          else tally.failed.push(`HTTP ${res.status}`);
          if (reuse) tally.kept++;
          else tally.fresh++;
        } catch (error) {
          tally.failed.push((error as Error).message);
        }
      }
    };
    const clients = [client(true), client(true), client(false), client(false)];
    try {
      await rotate(harness, volume, ca);
    } finally {
      running = false;
      await Promise.all(clients);
      keepAlive.destroy();
    }

    console.log(
      `rotation under load: ${tally.ok + tally.failed.length} requests ` +
        `(${tally.kept} kept-alive, ${tally.fresh} new connections), ${ROTATIONS} rotations + 1 broken, ` +
        `${tally.failed.length} failed`,
    );
    expect(tally.failed).toEqual([]);
    expect(tally.kept).toBeGreaterThan(20);
    expect(tally.fresh).toBeGreaterThan(20);
    const metrics = (await harness.get('/metrics')).text;
    expect(metrics).toMatch(
      new RegExp(`rtw_certificate_reloads_total\\{result="success"\\} ${ROTATIONS}\\b`),
    );
    expect(metrics).toMatch(/rtw_certificate_reloads_total\{result="error"\} [1-9]/);
  });
});
