/**
 * Fuzzing the real HTTPS server (one instance for the file): broken bodies, wrong content
 * types, empty and oversized bodies, deep nesting. Every answer is an AdmissionReview or a
 * 4xx JSON error, and for bodies that parse it is exactly what `answerReview` gives in-process.
 */
import { Agent } from 'node:https';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH } from '../../src/webhook/admission/nesting.js';
import { MAX_BODY_BYTES } from '../../src/webhook/server.js';
import { startHarness, type Harness } from '../webhook/harness.js';
import {
  BASE_REVIEWS,
  FUZZ_RUNS,
  FUZZ_SEED,
  bodyText,
  checkAnswer,
  checkNoPollution,
  loadState,
  monitorHealth,
  reviewInProcess,
} from './fuzz-support.js';

const RUNS = Math.round(FUZZ_RUNS * 0.1);
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8'];
const OTHER_TYPES = [
  'text/plain',
  'application/yaml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'application/json-patch+json',
  '',
];

const state = await loadState();
const health = monitorHealth();
const tally = { requests: 0, answered: 0, rejected: 0 };
let h: Harness;
let agent: Agent;

beforeAll(async () => {
  h = await startHarness();
  agent = new Agent({ keepAlive: true, maxSockets: 4, ca: h.ca });
});
afterAll(async () => {
  agent.destroy();
  await h.close();
  const report = health.stop();
  console.log(
    `fuzz HTTPS server: ${tally.requests} requests, ${tally.answered} AdmissionReviews, ` +
      `${tally.rejected} 4xx errors; RSS ${report.rssStartMb.toFixed(0)} -> peak ${report.rssPeakMb.toFixed(0)} MiB (seed ${FUZZ_SEED})`,
  );
});

async function post(path: string, body: string | Buffer, contentType?: string) {
  tally.requests++;
  const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
  const res = await h.post(path, body, headers, agent);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const parsed = res.json();
  if (res.status === 200) tally.answered++;
  else tally.rejected++;
  return { status: res.status, body: parsed };
}

/** How the server reads the text: sent as UTF-8 (a lone surrogate arrives as U+FFFD), then parsed. */
function parses(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(Buffer.from(text, 'utf8').toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

describe('fuzz: POST /mutate and /validate over HTTPS', () => {
  it(
    `answers ${RUNS} broken bodies and content types as answerReview does, or with a 4xx`,
    // 20 ms a request leaves room for a busy machine; the default run takes a few seconds.
    { timeout: 20_000 + RUNS * 20 },
    async () => {
      const contentType = fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...JSON_TYPES) },
        { weight: 2, arbitrary: fc.constantFrom(...OTHER_TYPES) },
      );
      await fc.assert(
        fc.asyncProperty(bodyText, contentType, async ({ hook, text }, type) => {
          const { status, body } = await post(`/${hook}`, text, type);
          const json = parses(text);
          if (!JSON_TYPES.includes(type)) {
            expect(status).toBeGreaterThanOrEqual(400);
            expect(status).toBeLessThan(500);
            expect((body as { error: string }).error).toMatch(/content type|empty/);
          } else if (!json.ok) {
            expect(status).toBe(400);
            expect((body as { error: string }).error).toMatch(
              /^the request body (is not valid JSON|is empty)/,
            );
          } else {
            const expected = reviewInProcess(state, hook, json.value);
            expect({ status, body }).toEqual({ status: expected.status, body: expected.body });
            checkAnswer(hook, json.value, status, body);
          }
          checkNoPollution();
        }),
        { numRuns: RUNS, seed: FUZZ_SEED },
      );
    },
  );

  const review = BASE_REVIEWS[0]!;
  const text = JSON.stringify(review);

  it('answers an empty body with 400', async () => {
    const { status, body } = await post('/mutate', '', 'application/json');
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'the request body is empty; send an AdmissionReview as JSON' });
  });

  it('answers a body of 7 MiB + 1 byte with 413, and one of exactly 7 MiB with a review', async () => {
    const pad = (size: number) => {
      const padded = structuredClone(review) as { request: { object: { metadata: { labels?: object } } } };
      padded.request.object.metadata.labels = { pad: '' };
      const overhead = JSON.stringify(padded).length;
      padded.request.object.metadata.labels = { pad: 'p'.repeat(size - overhead) };
      const out = JSON.stringify(padded);
      expect(out.length).toBe(size);
      return out;
    };
    const over = await post('/mutate', pad(MAX_BODY_BYTES + 1), 'application/json');
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ error: `the request body is larger than ${MAX_BODY_BYTES} bytes` });
    const exact = await post('/mutate', pad(MAX_BODY_BYTES), 'application/json');
    expect(exact.status).toBe(200);
    checkAnswer('mutate', review, exact.status, exact.body);
  });

  it('answers 100,000 levels of nesting with 400, and keeps serving', async () => {
    for (const deep of [
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      text.replace('"dryRun":false', `"dryRun":false,"x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`),
    ]) {
      const { status, body } = await post('/validate', deep, 'application/json');
      expect(status).toBe(400);
      expect((body as { error: string }).error).toMatch(
        new RegExp(`body must be a JSON object|more than ${MAX_NESTING_DEPTH} levels deep`),
      );
    }
    expect((await post('/validate', text, 'application/json')).status).toBe(200);
  });

  it('refuses AdmissionReviews of other versions and other kinds, saying which it wants', async () => {
    const other = (apiVersion: string, kind: string) =>
      text
        .replace('"admission.k8s.io/v1"', JSON.stringify(apiVersion))
        .replace('"AdmissionReview"', JSON.stringify(kind));
    const v1beta1 = await post(
      '/mutate',
      other('admission.k8s.io/v1beta1', 'AdmissionReview'),
      'application/json',
    );
    expect(v1beta1.status).toBe(400);
    expect((v1beta1.body as { error: string }).error).toMatch(/admissionReviewVersions: \[v1\]/);
    const wrongKind = await post(
      '/mutate',
      other('admission.k8s.io/v1', 'ConversionReview'),
      'application/json',
    );
    expect(wrongKind.status).toBe(400);
    expect((wrongKind.body as { error: string }).error).toBe(
      'kind must be "AdmissionReview", got "ConversionReview"',
    );
  });

  it('answers a request without a content type with a 4xx that says so', async () => {
    const { status, body } = await post('/mutate', text);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect((body as { error: string }).error).toMatch(/content type/);
  });

  it('stays healthy: no unhandled rejection or uncaught exception, bounded memory', () => {
    const report = health.stop();
    expect(report.unhandledRejections).toEqual([]);
    expect(report.uncaughtExceptions).toEqual([]);
    // Two 7 MiB bodies (text, buffer and parsed copies) are the largest cost.
    expect(report.rssPeakMb - report.rssStartMb).toBeLessThan(384);
  });
});
