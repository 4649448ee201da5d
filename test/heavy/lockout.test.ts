/**
 * The apiserver cannot be locked out by sockets that do no work: 1,100 raw TCP connections
 * that never start TLS, each reopened as soon as it is closed, against the production caps
 * (1,024 connections, 128 handshakes). Before the connection guard, Node refused new
 * connections at the cap and 104 of 104 reviews failed.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { Agent } from 'node:https';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../webhook/harness.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';

const review = ARGOCD_REAPPLY_REVIEW_TEXT;
const ATTACKERS = 1_100;
const REVIEWS = 100;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

it(
  `keeps answering reviews (>= 99 %) while ${ATTACKERS} idle raw sockets are held open`,
  { timeout: 120_000 },
  async () => {
    let stopped = false;
    let opened = 0;
    const sockets = new Set<Socket>();
    const open = () => {
      if (stopped) return;
      opened++;
      const socket = tcpConnect({ host: '127.0.0.1', port: h.port });
      sockets.add(socket);
      socket.on('error', () => undefined);
      // Reopened on close, as an attacker would, after 100 ms so the test's own load stays bounded.
      socket.on('close', () => {
        sockets.delete(socket);
        setTimeout(open, 100);
      });
    };
    for (let i = 0; i < ATTACKERS; i++) open();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    let answered = 0;
    const failures: string[] = [];
    try {
      for (let i = 0; i < REVIEWS; i++) {
        // A new connection each time (the hard case: it must get a slot), as after a reconnect.
        const agent = new Agent({ keepAlive: false, maxSockets: 1 });
        try {
          const res = await h.post('/mutate', review, { 'content-type': 'application/json' }, agent);
          if (res.status === 200) answered++;
          else failures.push(`HTTP ${res.status}`);
        } catch (error) {
          failures.push((error as Error).message);
        } finally {
          agent.destroy();
        }
      }
    } finally {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    }
    const evicted = h.running.server.connections.evicted();
    console.log(
      `lock-out: ${answered}/${REVIEWS} reviews answered, ${opened} attacker connections opened, closed to make room: ${JSON.stringify(evicted)}`,
    );
    expect(answered / REVIEWS, failures.slice(0, 5).join('; ')).toBeGreaterThanOrEqual(0.99);
    expect(evicted.silent).toBeGreaterThan(0);
  },
);
