/**
 * SIGTERM under load on the real `serve` process: clients keep sending reviews on kept-alive
 * and new connections when the signal arrives.
 * Readiness turns off, requests keep being answered through the shutdown delay (while the
 * endpoint is removed), uploads in progress when the listener closes still get their answer,
 * later connections are refused, and the process exits 0.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '../../src/webhook/tls.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';

const review = ARGOCD_REAPPLY_REVIEW_TEXT;
const bigReview = review.replace('"dryRun": false', `"dryRun": false, "pad": "${'p'.repeat(2 ** 20)}"`);

let certDir: string | undefined;
afterAll(async () => {
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts `body` on `agent` (false: a new connection), in ten chunks spread over `spreadMs` if given. */
function post(port: number, ca: string, body: string, agent: Agent | false, spreadMs = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        ca,
        agent,
        servername: 'localhost',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (spreadMs === 0) return void req.end(body);
    const size = Math.ceil(body.length / 10);
    const send = async () => {
      for (let i = 0; i < body.length; i += size) {
        req.write(body.slice(i, i + size));
        await sleep(spreadMs / 10);
      }
      req.end();
    };
    void send();
  });
}

describe('SIGTERM under load', () => {
  it.runIf(existsSync('dist/cli.js'))(
    'answers every request that reached it, refuses new connections after closing, exits 0',
    { timeout: 30_000 },
    async () => {
      certDir = await mkdtemp(join(tmpdir(), 'rtw-sigterm-'));
      await ensureDevCertificates(certDir);
      const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
      const args = ['serve', '--port', '0', '--host', '127.0.0.1', '--cert-dir', certDir];
      args.push('--state', 'examples/quickstart', '--shutdown-delay-seconds', '2', '--log-level', 'info');
      const child = spawn(process.execPath, ['bin/rollouts-traffic-webhook.js', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const match = /"url":"https:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        void exited.then(() => reject(new Error(`serve exited before listening: ${stderr}`)));
      });

      const tally = { ok: 0, afterSignal: 0, failed: [] as string[] };
      let signalledAt = 0;
      // After the signal, readiness is off; the endpoint is gone from the Service (and from the
      // apiserver's view) well within the 2 s shutdown delay: clients stop sending here after 1 s.
      const routed = () => signalledAt === 0 || Date.now() - signalledAt < 1_000;
      const client = async (agent: Agent | false) => {
        while (routed()) {
          try {
            const status = await post(port, ca, review, agent);
            if (status === 200) tally.ok++;
            else tally.failed.push(`HTTP ${status}`);
            if (signalledAt) tally.afterSignal++;
          } catch (error) {
            tally.failed.push(`${(error as NodeJS.ErrnoException).code}: ${(error as Error).message}`);
          }
        }
      };
      const agents = [1, 2, 3].map(() => new Agent({ keepAlive: true, maxSockets: 1, ca }));
      const clients = [...agents.map((a) => client(a)), client(false), client(false)];
      await sleep(700);
      const beforeSignal = tally.ok;
      signalledAt = Date.now();
      child.kill('SIGTERM');
      // Stragglers: uploads that start before the listener closes (at 2 s) and finish after.
      await sleep(1_500);
      const stragglersDoneAt: number[] = [];
      const stragglers = [1, 2, 3].map(() =>
        post(port, ca, bigReview, false, 1_000).then(
          (status) => {
            stragglersDoneAt.push(Date.now() - signalledAt);
            if (status === 200) tally.ok++;
            else tally.failed.push(`straggler HTTP ${status}`);
          },
          (error: Error) => tally.failed.push(`straggler ${error.message}`),
        ),
      );
      await Promise.all([...clients, ...stragglers]);
      const exit = await exited;
      for (const a of agents) a.destroy();
      const refused = await post(port, ca, review, false).then(String, (e: NodeJS.ErrnoException) => e.code);

      console.log(
        `SIGTERM under load: ${tally.ok + tally.failed.length} requests (${beforeSignal} before the signal, ` +
          `${tally.afterSignal} during the delay, 3 uploads across the close), ${tally.failed.length} failed`,
      );
      expect(tally.failed).toEqual([]);
      expect(beforeSignal).toBeGreaterThan(10);
      expect(tally.afterSignal).toBeGreaterThan(10); // the delay kept answering
      expect(refused).toBe('ECONNREFUSED');
      // Answered after the delay ended, so they were in flight when the listener closed.
      expect(Math.min(...stragglersDoneAt)).toBeGreaterThanOrEqual(2_000);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(stderr).not.toMatch(/unhandled|Error/);
    },
  );
});
