/**
 * `serve --dev` watches a cluster only when one is configured and answers GET /version
 * within 2 s; otherwise it serves the quick-start manifests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness } from '../webhook/harness.js';
import type { Harness } from '../webhook/harness.js';
import { FAST_STREAM_TIMING, ListWatchApiServer, fakeKubeconfigYaml } from './list-watch-apiserver.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function devServe(kubeconfigText: string): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'rtw-dev-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'kubeconfig'), kubeconfigText);
  const h = await startHarness({
    dev: true,
    state: [],
    kubeconfig: join(dir, 'kubeconfig'),
    tuning: { cacheTiming: FAST_STREAM_TIMING },
  });
  cleanups.push(() => h.close());
  return h;
}

describe('serve --dev: the /version probe', () => {
  it('watches a cluster that answers', async () => {
    const fake = new ListWatchApiServer();
    await fake.start();
    cleanups.push(() => fake.stop());
    const h = await devServe(fake.kubeconfigYaml());
    expect(h.running.cluster.status().source).toBe('watch');
    await expect.poll(() => h.running.cluster.isSynced()).toBe(true);
  });

  it('serves the quick-start manifests when the cluster is silent for 2 s', { timeout: 10_000 }, async () => {
    const silent: Server = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    silent.on('connection', (socket) => cleanups.push(() => void socket.destroy()));
    const started = Date.now();
    const h = await devServe(fakeKubeconfigYaml((silent.address() as AddressInfo).port));
    expect(h.running.cluster.status().source).toBe('files');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });
});
