/** What the numbers were measured on, including how busy the shared machine was. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { Stalls } from './stalls.js';

export interface Machine {
  cpu: string;
  cores: number;
  memory_gb: number;
  kernel: string;
  node: string;
  go: string;
  date: string;
  load_average_at_start: number[];
  pinning: string;
  /** CPU taken away from a busy loop on the targets' core, before and after the load runs. */
  stalls: { before: Stalls; after: Stalls };
}

const atStart = loadavg().map((n) => Math.round(n * 100) / 100);

export function machineInfo(pinned: boolean, stalls: Machine['stalls']): Machine {
  const model = /^model name[^:\n]*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return {
    cpu: model.trim(),
    cores: cpus().length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    kernel: `Linux ${release()}`,
    node: process.version,
    go: execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim(),
    date: new Date().toISOString(),
    load_average_at_start: atStart,
    pinning: pinned
      ? 'targets on core 1, load generators on core 0 (taskset)'
      : 'not pinned (fewer than 2 cores)',
    stalls,
  };
}
