/**
 * Fuzzing `rollouts-traffic-webhook review` as a real process: each run reads one body on
 * stdin and must exit 0 with exactly the AdmissionReview `answerReview` gives in-process, or
 * exit 2 with the reason on stderr. Never a crash, never another exit code. Processes cost
 * ~0.3 s each, so this is the small share of the fuzz budget.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { HookKind } from '../../src/webhook/admission/response.js';
import {
  BASE_REVIEWS,
  FUZZ_RUNS,
  FUZZ_SEED,
  STATE_PATHS,
  bodyText,
  checkAnswer,
  loadState,
  reviewInProcess,
} from './fuzz-support.js';

const RUNS = Math.max(12, Math.round(FUZZ_RUNS / 1000));
const PARALLEL = 2;
const state = await loadState();
const tally = { runs: 0, exit0: 0, exit2: 0 };

afterAll(() => {
  console.log(
    `fuzz review command: ${tally.runs} processes, ${tally.exit0} exit 0, ${tally.exit2} exit 2 (seed ${FUZZ_SEED})`,
  );
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function review(hook: HookKind, stdin: string): Promise<Run> {
  tally.runs++;
  return new Promise((resolve, reject) => {
    const args = ['bin/rollouts-traffic-webhook.js', 'review', '--hook', hook, '--state', ...STATE_PATHS];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) tally.exit0++;
      if (code === 2) tally.exit2++;
      resolve({ code, signal, stdout, stderr });
    });
    // A process that exits before reading everything closes the pipe: that is its answer.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

function expectSameAsInProcess(hook: HookKind, text: string, run: Run): void {
  expect(run.signal).toBeNull();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^review: stdin is not valid JSON: /);
    return;
  }
  const expected = reviewInProcess(state, hook, parsed);
  if (expected.status === 200) {
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expected.body);
    checkAnswer(hook, parsed, 200, JSON.parse(run.stdout));
  } else {
    expect(expected.status).toBe(400);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe(`review: ${(expected.body as { error: string }).error}\n`);
  }
}

describe('fuzz: review command', () => {
  it.runIf(existsSync('dist/cli.js'))(
    `answers ${RUNS} broken bodies exactly as in-process, exit 0 or 2`,
    { timeout: 120_000 + RUNS * 1_000 },
    async () => {
      const cases = fc.sample(bodyText, { numRuns: RUNS, seed: FUZZ_SEED });
      for (let i = 0; i < cases.length; i += PARALLEL) {
        const batch = cases.slice(i, i + PARALLEL);
        const runs = await Promise.all(batch.map((c) => review(c.hook, c.text)));
        batch.forEach((c, j) => expectSameAsInProcess(c.hook, c.text, runs[j]!));
      }
      expect(tally.exit0).toBeGreaterThan(0);
      expect(tally.exit2).toBeGreaterThan(0);
    },
  );

  it.runIf(existsSync('dist/cli.js'))(
    'survives an empty stdin, 100,000 levels of nesting and a 6 MiB string',
    { timeout: 30_000 },
    async () => {
      const text = JSON.stringify(BASE_REVIEWS[0]);
      const cases = [
        '',
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
        text.replace(
          '"dryRun":false',
          `"dryRun":false,"x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`,
        ),
        text.replace('"dryRun":false', `"dryRun":false,"big":"${'b'.repeat(6 * 2 ** 20)}"`),
      ];
      for (const stdin of cases) expectSameAsInProcess('mutate', stdin, await review('mutate', stdin));
    },
  );

  it('needs the built CLI (npm run build); npm test builds it first', () => {
    expect(existsSync('dist/cli.js')).toBe(true);
  });
});
