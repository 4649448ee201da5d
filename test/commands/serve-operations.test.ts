/**
 * `serve --operation`: a process that runs only the audit answers no reviews but stays
 * observable; one that runs only the webhook never audits. Real server, fake apiserver.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ListWatchApiServer } from '../cluster/list-watch-apiserver.js';
import {
  eventually,
  metricValue,
  seedQuickstart,
  startAgainst,
  type ClusterServer,
} from '../faults/cluster-server.js';
import { startHarness } from '../webhook/harness.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';
import type { ServeOptions } from '../../src/commands/options.js';

let env: ClusterServer | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function serving(overrides: Partial<ServeOptions>): Promise<ClusterServer> {
  const fake = new ListWatchApiServer();
  await fake.start();
  await seedQuickstart(fake);
  env = await startAgainst(fake, {}, overrides);
  await eventually(async () => expect((await env!.h.get('/readyz')).status).toBe(200));
  return env;
}

describe('serve --operation audit', () => {
  it('audits before turning ready, answers the hooks 404 with the reason, keeps probes and metrics', async () => {
    const e = await serving({ operations: new Set(['audit']), auditIntervalSeconds: 300 });
    const metrics = (await e.h.get('/metrics')).text;
    expect(metricValue(metrics, 'rtw_audit_runs_total{result="success"}')).toBe(1);
    for (const hook of ['/mutate', '/validate']) {
      const res = await e.h.post(hook, ARGOCD_REAPPLY_REVIEW_TEXT, { 'content-type': 'application/json' });
      expect(res.status).toBe(404);
      expect(res.json()).toEqual({
        error: `${hook} is not served here: this server answers no admission reviews, it runs only the background audit`,
      });
    }
    // Other unknown paths keep the usual answer.
    expect((await e.h.get('/nothing')).json()).toEqual({ error: 'no route for GET /nothing' });
    expect((await e.h.get('/healthz')).status).toBe(200);
  });

  it('refuses to start without a cluster to audit', async () => {
    await expect(startHarness({ operations: new Set(['audit']), auditIntervalSeconds: 300 })).rejects.toThrow(
      '--operation audit needs a cluster to audit and write reports to; --state and --dev without a cluster serve manifest files',
    );
  });
});

describe('serve --operation webhook', () => {
  it('answers reviews and runs no audit', async () => {
    const e = await serving({ operations: new Set(['webhook']), auditIntervalSeconds: 0 });
    const res = await e.h.post('/mutate', ARGOCD_REAPPLY_REVIEW_TEXT, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect((res.json() as { response: { patch?: string } }).response.patch).toBeDefined();
    expect((await e.h.get('/metrics')).text).not.toMatch(/^rtw_audit_runs_total\{/m);
  });

  it('both (the default): the same server audits and answers', async () => {
    const e = await serving({ auditIntervalSeconds: 300 });
    expect(metricValue((await e.h.get('/metrics')).text, 'rtw_audit_runs_total{result="success"}')).toBe(1);
    const res = await e.h.post('/mutate', ARGOCD_REAPPLY_REVIEW_TEXT, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
  });
});
