/**
 * How often this machine takes the CPU away from a process that wants it: a busy loop pinned
 * to a core reads the clock continuously and records every gap longer than 0.5 ms. On an
 * idle dedicated core the gaps are a few microseconds; on a shared virtual machine the host
 * deschedules the vCPU (steal) and the guest kernel runs its own work, and each gap lands on
 * whatever request is in flight. This is the floor under any p99 measured here.
 */
import { execFileSync } from 'node:child_process';
import { pinned, round3 } from './processes.js';

export interface Stalls {
  core: number;
  seconds: number;
  /** Gaps of more than 0.5 ms, and of more than 2 ms, per second. */
  over_0_5ms_per_s: number;
  over_2ms_per_s: number;
  max_ms: number;
  /** Share of the wall time lost in such gaps. */
  lost_pct: number;
}

const BUSY_LOOP = `
const seconds = Number(process.argv[1]);
const end = process.hrtime.bigint() + BigInt(seconds * 1e9);
let last = process.hrtime.bigint();
const gaps = [];
for (;;) {
  const now = process.hrtime.bigint();
  if (now - last > 500000n) gaps.push(Number(now - last) / 1e6);
  last = now;
  if (now > end) break;
}
console.log(JSON.stringify(gaps));
`;

export function measureStalls(core: number, seconds: number): Stalls {
  const [cmd, argv] = pinned(core, process.execPath, ['-e', BUSY_LOOP, String(seconds)]);
  const gaps = JSON.parse(execFileSync(cmd, argv, { encoding: 'utf8' })) as number[];
  const lost = gaps.reduce((sum, g) => sum + g, 0);
  return {
    core,
    seconds,
    over_0_5ms_per_s: round3(gaps.length / seconds),
    over_2ms_per_s: round3(gaps.filter((g) => g > 2).length / seconds),
    max_ms: round3(Math.max(0, ...gaps)),
    lost_pct: round3((lost / (seconds * 1000)) * 100),
  };
}
