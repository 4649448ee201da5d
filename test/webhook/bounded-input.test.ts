/**
 * Bodies are checked before they are built, label sets are closed, and user values are
 * echoed only in part. Each case failed before the change that added its check: the deep
 * body reached JSON.parse (and, under the chart's heap limit, killed the process), a client
 * without a certificate had its whole body read, many large bodies had no shared limit,
 * distinct kinds made one metric series each, and a 1 MiB operation was echoed whole.
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
import { expectNoSeriesPerKind } from './kind-flood.js';

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

/** A chunked upload (no Content-Length) of `chunks`, left open until `finish` sends the rest. */
function chunkedUpload(h: Harness, chunks: Buffer[]) {
  let finish: (last: string) => void = () => undefined;
  let sent: () => void = () => undefined;
  const sentPromise = new Promise<void>((resolve) => (sent = resolve));
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: h.port,
        path: '/mutate',
        method: 'POST',
        ca: h.ca,
        servername: 'localhost',
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    let pending = chunks.length;
    for (const chunk of chunks) req.write(chunk, () => --pending === 0 && setTimeout(sent, 200));
    finish = (last) => req.end(last);
  });
  return { answer, sent: sentPromise, finish: (last: string) => finish(last) };
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

  it('counts a body without a Content-Length chunk by chunk, and gives all of it back', async () => {
    const reserved = async () =>
      Number(/^rtw_body_budget_reserved_bytes (\S+)/m.exec((await h.get('/metrics')).text)?.[1]);
    // Chunked: no Content-Length, so nothing is reserved up front. 6 MiB held in flight...
    const held = chunkedUpload(h, [Buffer.alloc(6 * MiB, ' ')]);
    await held.sent;
    expect(await reserved()).toBe(6 * MiB);
    // ...leaves no room for a second 6 MiB, refused while it streams.
    const second = chunkedUpload(h, [Buffer.alloc(3 * MiB, ' '), Buffer.alloc(3 * MiB, ' ')]);
    expect((await second.answer).status).toBe(429);
    // Finished, the held body is priced before parsing: 6 MiB of text would take more than
    // the budget to decode, so it is refused too, and everything it held is given back.
    held.finish(JSON.stringify(review));
    expect((await held.answer).status).toBe(413);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await reserved()).toBe(0);
    expect((await h.post('/mutate', JSON.stringify(review))).status).toBe(200);
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

  // 300 distinct kinds show the set is closed (each made a series before); the 10,000 of the
  // issue run in `npm run test:heavy` (test/heavy/kind-flood.test.ts), about 10 s on their own.
  it('300 reviews with distinct kinds add no metric series beyond the fixed set', async () => {
    await expectNoSeriesPerKind(h, 300);
  });

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
