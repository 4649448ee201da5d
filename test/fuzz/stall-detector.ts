/**
 * A stall detector for synchronous work: how long one call held the event loop.
 *
 * A review runs synchronously, so while it runs nothing else in the process is served (not
 * /healthz, not other reviews). The detector times each call twice:
 * - CPU time of the calling thread (test/support/cpu-time.ts): what the call would block on a
 *   core of its own, which does not grow when other processes compete for the CPU, so the
 *   bound holds on a busy CI machine;
 * - wall time (`performance.now`), reported next to it, which does grow with the load.
 * The bound is on CPU time: a super-linear path multiplies it whatever the machine does.
 */
import { threadCpuMs } from '../support/cpu-time.js';

export interface Stall {
  label: string;
  cpuMs: number;
  wallMs: number;
  bytes: number;
}

export class StallDetector {
  /** Every call over the bound, in the order seen. */
  readonly stalls: Stall[] = [];
  /** The call that took the most CPU time so far. */
  worst: Stall = { label: '(none)', cpuMs: 0, wallMs: 0, bytes: 0 };
  calls = 0;

  constructor(readonly boundCpuMs: number) {}

  time<T>(label: string, bytes: number, work: () => T): T {
    const cpuStart = threadCpuMs();
    const wallStart = performance.now();
    const result = work();
    const seen: Stall = {
      label,
      bytes,
      cpuMs: threadCpuMs() - cpuStart,
      wallMs: performance.now() - wallStart,
    };
    this.calls++;
    if (seen.cpuMs > this.worst.cpuMs) this.worst = seen;
    if (seen.cpuMs > this.boundCpuMs) this.stalls.push(seen);
    return result;
  }

  static describe(stall: Stall): string {
    return (
      `${stall.cpuMs.toFixed(0)} ms CPU (${stall.wallMs.toFixed(0)} ms wall) for ` +
      `${(stall.bytes / 1024).toFixed(0)} KiB: ${stall.label}`
    );
  }
}
