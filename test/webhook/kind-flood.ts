/**
 * Sends reviews naming `count` distinct object kinds through a running server and checks that
 * the metrics gained no series for them: the `kind` label takes its values from a fixed set
 * (src/webhook/metrics.ts), every other kind counts as `other`. Before that, each distinct kind
 * made a new series, and 30-40k of them made /metrics too large to render.
 */
import { expect } from 'vitest';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';
import type { Harness } from './harness.js';

const review = JSON.parse(ARGOCD_REAPPLY_REVIEW_TEXT) as {
  request: { kind: { kind: string } };
};

const seriesOf = (text: string, name: string) =>
  text.split('\n').filter((l) => l.startsWith(`${name}{`)).length;

export async function expectNoSeriesPerKind(h: Harness, count: number): Promise<void> {
  const body = (kind: string) => {
    const r = structuredClone(review);
    r.request.kind.kind = kind;
    return JSON.stringify(r);
  };
  const inject = (kind: string) =>
    h.running.server.app.inject({
      method: 'POST',
      url: '/validate',
      headers: { 'content-type': 'application/json' },
      payload: body(kind),
    });
  await inject('Ingress');
  const before = (await h.get('/metrics')).text;
  for (let i = 0; i < count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => inject(`Kind${i + j}`)));
  }
  const after = (await h.get('/metrics')).text;
  // One new `other` series per metric at most (it did not exist before), never one per kind.
  expect(seriesOf(after, 'rtw_admission_requests_total')).toBeLessThanOrEqual(
    seriesOf(before, 'rtw_admission_requests_total') + 1,
  );
  expect(after).toMatch(
    new RegExp(
      `rtw_admission_requests_total\\{hook="validate",kind="other",decision="allowed",dry_run="false"\\} ${count}\\n`,
    ),
  );
  expect(after).not.toContain(`Kind${count - 1}`);
  expect(after.length).toBeLessThan(before.length + 4096);
}
