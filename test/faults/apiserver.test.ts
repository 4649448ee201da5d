/**
 * Apiserver faults seen through the webhook's HTTPS endpoints: what the apiserver (the
 * webhook's client) gets while the cluster it watches is unreachable, dies, or goes silent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ListWatchApiServer } from '../cluster/list-watch-apiserver.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';
import {
  eventually,
  metricValue,
  seedQuickstart,
  sleep,
  startAgainst,
  type ClusterServer,
} from './cluster-server.js';

interface Answer {
  response: { uid: string; allowed: boolean; patch?: string };
}

let env: ClusterServer | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function seededFake(): Promise<ListWatchApiServer> {
  const fake = new ListWatchApiServer();
  await fake.start();
  await seedQuickstart(fake);
  return fake;
}

/** Whether /mutate patches the quickstart Ingress: true exactly while a Rollout owns it. */
async function patches(e: ClusterServer): Promise<boolean> {
  const res = await e.h.post('/mutate', ARGOCD_REAPPLY_REVIEW_TEXT);
  expect(res.status).toBe(200);
  const body = res.json() as Answer;
  expect(body.response.allowed).toBe(true);
  return body.response.patch !== undefined;
}

const ROLLOUT_STALENESS = 'rtw_cache_last_sync_age_seconds{resource="rollouts"}';

describe('apiserver unreachable at start', () => {
  it('is not ready and answers reviews 503 (failurePolicy decides), never from the empty cache', async () => {
    const fake = await seededFake();
    await fake.kill();
    env = await startAgainst(fake);
    await sleep(300);
    const ready = await env.h.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json()).toEqual({
      status: 'not ready',
      reasons: ['cluster-state caches have not completed their first sync'],
    });
    for (const hook of ['/mutate', '/validate']) {
      const res = await env.h.post(hook, ARGOCD_REAPPLY_REVIEW_TEXT);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({ error: 'cluster state not synced yet' });
    }
    expect((await env.h.get('/healthz')).status).toBe(200);
    expect((await env.h.get('/metrics')).text).toMatch(/rtw_bad_requests_total\{status="503"\} 2/);

    await fake.revive();
    await eventually(async () => expect((await env!.h.get('/readyz')).status).toBe(200));
    expect(await patches(env)).toBe(true);
  });
});

describe('apiserver dies mid-run', () => {
  it('keeps answering from the cache, reports staleness, reconnects with backoff and catches up', async () => {
    const fake = await seededFake();
    env = await startAgainst(fake);
    await eventually(async () => expect((await env!.h.get('/readyz')).status).toBe(200));
    expect(await patches(env)).toBe(true);
    await eventually(() => expect(fake.openWatches()).toBe(4));

    await fake.kill();
    const cluster = env.h.running.cluster;
    const callsAtDeath = cluster.status().apiCalls;
    // The truth moves on while the webhook cannot see it: the Rollout is deleted and a Service
    // changes its port.
    fake.remove('rollouts', 'shop', 'shop');
    const canary = fake.truth('services').find((svc) => JSON.stringify(svc).includes('"shop-canary"'))!;
    fake.upsert('services', { ...canary, spec: { ports: [{ name: 'http', port: 8081 }] } });
    let answered = 0;
    const until = Date.now() + 1_200;
    while (Date.now() < until) {
      expect(await patches(env)).toBe(true); // still the cached view, no error
      answered++;
      await sleep(25);
    }
    expect(answered).toBeGreaterThan(10);
    expect(cluster.getService('shop', 'shop-canary')?.ports).toEqual([{ name: 'http', port: 80 }]);
    expect((await env.h.get('/readyz')).status).toBe(200);
    const metrics = (await env.h.get('/metrics')).text;
    expect(metricValue(metrics, ROLLOUT_STALENESS)).toBeGreaterThanOrEqual(1);
    // Four resources, 20 ms doubling to a 200 ms cap with jitter: about eight watch attempts
    // each in 1.2 s. A storm (no backoff) would be hundreds.
    const attempts = cluster.status().apiCalls.watch - callsAtDeath.watch;
    expect(attempts).toBeGreaterThanOrEqual(4);
    expect(attempts).toBeLessThanOrEqual(4 * 14);

    await fake.revive();
    await eventually(async () => expect(await patches(env!)).toBe(false));
    await eventually(async () => {
      const text = (await env!.h.get('/metrics')).text;
      expect(metricValue(text, ROLLOUT_STALENESS)).toBeLessThan(0.5);
    });
    // Caught up from the watch window (no relist), and with one watch per resource again.
    expect(cluster.status().resources.rollouts.relists).toBe(0);
    await eventually(() => expect(fake.openWatches()).toBe(4));
    expect(cluster.getRollout('shop', 'shop')).toBeUndefined();
    await eventually(() =>
      expect(cluster.getService('shop', 'shop-canary')?.ports).toEqual([{ name: 'http', port: 8081 }]),
    );
    expect(cluster.status().resources.rollouts.objects).toBe(0);
  });
});

describe('a watch that silently stops delivering', () => {
  it('is abandoned by the watchdog, which relists and finds the missed change', async () => {
    const fake = await seededFake();
    env = await startAgainst(fake, { watchdogMs: 400 });
    await eventually(async () => expect((await env!.h.get('/readyz')).status).toBe(200));
    await eventually(() => expect(fake.openWatches()).toBe(4));
    fake.faults.silentWatches = true;
    fake.dropWatches(); // the next watches are accepted and then say nothing
    await sleep(50);
    fake.remove('rollouts', 'shop', 'shop');
    expect(await patches(env)).toBe(true);
    await eventually(async () => expect(await patches(env!)).toBe(false), 3_000);
    expect(env.h.running.cluster.status().resources.rollouts.relists).toBeGreaterThanOrEqual(1);
  });
});
