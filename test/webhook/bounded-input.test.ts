/**
 * Bodies are checked before they are built, label sets are closed, and user values are
 * echoed only in part. Each case failed before the change that added its check: the deep
 * body reached JSON.parse (and, under the chart's heap limit, killed the process), a client
 * without a certificate had its whole body read, many large bodies had no shared limit,
 * 10,000 distinct kinds made 10,000 metric series, and a 1 MiB operation was echoed whole.
 */
import { request as httpsRequest } from 'node:https';
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureDevCertificates } from '../../src/webhook/tls.js';
import { startHarness, type Harness } from './harness.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';

const MiB = 1024 * 1024;
const review = JSON.parse(ARGOCD_REAPPLY_REVIEW_TEXT) as {
  request: { kind: { kind: string }; operation: string };
};

/** Sends headers announcing `length` bytes and only `sent` of them; resolves with the first answer. */
function partialUpload(
  h: Harness,
  length: number,
  sent: number,
  options: { ca?: boolean } = {},
): Promise<{ status: number; text: string; ms: number; abort: () => void }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: h.port,
        path: '/mutate',
        method: 'POST',
        ca: options.ca === false ? undefined : h.ca,
        servername: 'localhost',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(length) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            ms: performance.now() - started,
            abort: () => req.destroy(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.write(Buffer.alloc(sent, ' '));
  });
}

describe('bodies checked before they are built', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tuning: { limits: { bodyBudgetBytes: 10 * MiB } } });
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('refuses 7 MiB of nested arrays from the bytes: JSON.parse never sees it', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    const half = 3.5 * MiB;
    const body = Buffer.alloc(2 * half, ']');
    body.fill('[', 0, half);
    const res = await h.post('/mutate', body);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'the body nests arrays and objects more than 1000 levels deep' });
    expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > MiB)).toEqual([]);
  });

  it('refuses a body whose decoding would exceed the budget (413), before parsing it', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    // 3 bytes of text per empty object, about 64 bytes of heap each once parsed.
    const body = `[${Array(Math.floor((3 * MiB) / 3))
      .fill('{}')
      .join(',')}]`;
    const res = await h.post('/mutate', body);
    expect(res.status).toBe(413);
    expect((res.json() as { error: string }).error).toMatch(
      /^decoding this body would take about \d+\.\d MiB/,
    );
    expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > MiB)).toEqual([]);
  });

  it('answers 429 at once when the bodies in flight fill the budget, and serves again after', async () => {
    // 6 MiB announced and held: with a 10 MiB budget, a second 6 MiB body does not fit.
    const held = partialUpload(h, 6 * MiB, 1024);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await partialUpload(h, 6 * MiB, 1024);
    expect(second.status).toBe(429);
    expect(JSON.parse(second.text)).toEqual({
      error: 'too many request bodies in flight for the memory this webhook allows; retry',
    });
    expect(second.ms).toBeLessThan(5_000);
    // The held upload is cut by the request timeout or by closing it; its reservation is returned.
    void held.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    (h.running.server.app.server as unknown as { closeAllConnections(): void }).closeAllConnections();
    const res = await h.post('/mutate', JSON.stringify(review));
    expect(res.status).toBe(200);
  });

  it('refuses an announced body over 7 MiB (413) without reading it', async () => {
    const res = await partialUpload(h, 7 * MiB + 1, 10);
    expect(res.status).toBe(413);
  });
});

describe('a client without an accepted certificate', () => {
  let h: Harness;
  let certDir: string;
  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'rtw-client-ca-'));
    await ensureDevCertificates(certDir);
    // Client certificates must be signed by the dev CA; the test client presents none.
    h = await startHarness({ certDir, clientCa: join(certDir, 'ca.crt') });
  });
  afterAll(async () => {
    await h.close();
    await rm(certDir, { recursive: true, force: true });
  });

  it('is refused (401) before its body is read: the answer comes while the body is unfinished', async () => {
    const res = await partialUpload(h, 7 * MiB, 1024);
    res.abort();
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toEqual({
      error: 'a client certificate signed by the configured client CA is required',
    });
  });
});

describe('closed label sets and bounded echo', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, pino({ level: 'info' }, sink));
  });
  afterAll(async () => {
    await h.close();
  });

  const seriesOf = (text: string, name: string) =>
    text.split('\n').filter((l) => l.startsWith(`${name}{`)).length;

  it(
    '10,000 reviews with distinct kinds add no metric series beyond the fixed set',
    { timeout: 120_000 },
    async () => {
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
      for (let i = 0; i < 10_000; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => inject(`Kind${i + j}`)));
      }
      const after = (await h.get('/metrics')).text;
      // One new `other` series per metric at most (it did not exist before), never 10,000.
      expect(seriesOf(after, 'rtw_admission_requests_total')).toBeLessThanOrEqual(
        seriesOf(before, 'rtw_admission_requests_total') + 1,
      );
      expect(after).toMatch(
        /rtw_admission_requests_total\{hook="validate",kind="other",decision="allowed",dry_run="false"\} 10000/,
      );
      expect(after).not.toContain('Kind9999');
      expect(after.length).toBeLessThan(before.length + 4096);
    },
  );

  it('quotes at most a few hundred characters of a 1 MiB value in the answer and the log', async () => {
    const r = structuredClone(review);
    r.request.operation = 'X'.repeat(MiB);
    lines.length = 0;
    const res = await h.post('/mutate', JSON.stringify(r));
    expect(res.status).toBe(400);
    const error = (res.json() as { error: string }).error;
    expect(error.length).toBeLessThan(400);
    expect(error).toMatch(/^request\.operation "X{200}… \(1048376 more characters\)" is not one of/);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length).toBeLessThan(2_000);
  });
});

describe('serve --state with a path that cannot be read', () => {
  it('fails to start with the path and the reason, instead of serving an empty cache', async () => {
    await expect(startHarness({ state: ['/nonexistent/state-typo'] })).rejects.toThrow(
      "--state: /nonexistent/state-typo: cannot be read: ENOENT: no such file or directory, stat '/nonexistent/state-typo'",
    );
  });
});
