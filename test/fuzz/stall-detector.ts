/**
 * A stall detector for synchronous work: how long one call held the event loop.
 *
 * A review runs synchronously, so while it runs nothing else in the process is served (not
 * /healthz, not other reviews). The detector times each call twice:
 * - CPU time of the calling thread (`process.threadCpuUsage`, Node >= 23.9; else the
 *   process's CPU time, which also counts GC helper threads and only overstates). This is
 *   what the call would block on a core of its own, and it does not grow when other
 *   processes compete for the CPU, so the bound holds on a busy CI machine;
 * - wall time (`performance.now`), reported next to it, which does grow with the load.
 * The bound is on CPU time: a super-linear path multiplies it whatever the machine does.
 */

export interface Stall {
  label: string;
  cpuMs: number;
  wallMs: number;
  bytes: number;
}

type CpuUsage = () => { user: number; system: number };

const threadCpu: CpuUsage =
  typeof (process as { threadCpuUsage?: CpuUsage }).threadCpuUsage === 'function'
    ? () => (process as unknown as { threadCpuUsage: CpuUsage }).threadCpuUsage()
    : () => process.cpuUsage();

function cpuMsNow(): number {
  const { user, system } = threadCpu();
  return (user + system) / 1000;
}

export class StallDetector {
  /** Every call over the bound, in the order seen. */
  readonly stalls: Stall[] = [];
  /** The call that took the most CPU time so far. */
  worst: Stall = { label: '(none)', cpuMs: 0, wallMs: 0, bytes: 0 };
  calls = 0;

  constructor(readonly boundCpuMs: number) {}

  time<T>(label: string, bytes: number, work: () => T): T {
    const cpuStart = cpuMsNow();
    const wallStart = performance.now();
    const result = work();
    const seen: Stall = {
      label,
      bytes,
      cpuMs: cpuMsNow() - cpuStart,
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
