import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { moveHelperThreads, pinned, pinnedAtIdle, PINNED } from '../../bench/processes.js';

let child: ReturnType<typeof spawn> | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/**
 * A Node process started as `place` starts a target, holding its threads until killed; resolves
 * with the pid it reports itself, once it runs.
 */
async function startHeld(place: typeof pinned, core: number): Promise<number> {
  const [command, args] = place(core, process.execPath, [
    '-e',
    'console.log(process.pid); setInterval(() => {}, 1000)',
  ]);
  child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return Number(line.toString().trim());
}

/** Each thread's allowed cores, as /proc lists them ("1", "0-1"), by thread id. */
function coresByThread(pid: number): Map<string, string> {
  const cores = new Map<string, string>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const line = status.split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
    cores.set(tid, line!.split(':')[1]!.trim());
  }
  return cores;
}

describe('moveHelperThreads: the event loop keeps its core, the other threads go', () => {
  it.skipIf(!PINNED)('moves every thread but the one whose id is the pid', async () => {
    // Pinned as the bench pins a target.
    const pid = await startHeld(pinned, 1);
    const before = coresByThread(pid);
    // V8's platform workers and the rest: more than the event loop alone, all on core 1.
    expect(before.size).toBeGreaterThan(1);
    expect(new Set(before.values())).toEqual(new Set(['1']));

    const moved = moveHelperThreads(pid, 0);

    const after = coresByThread(pid);
    expect(moved).toBe(before.size - 1);
    expect(after.get(String(pid))).toBe('1');
    for (const [tid, cores] of after) if (tid !== String(pid)) expect(cores).toBe('0');
  });
});

/** The scheduling policy of each thread (/proc's `policy` line: 0 normal, 5 idle). */
function policiesOf(pid: number): Set<string> {
  return new Set(
    readdirSync(`/proc/${pid}/task`).map((tid) => {
      const sched = readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8');
      return /^policy\s*:\s*(\d+)$/m.exec(sched)![1]!;
    }),
  );
}

describe('pinnedAtIdle: the process and every thread it starts in the idle class, on its core', () => {
  it.skipIf(!PINNED)('runs the command as that pid, SCHED_IDLE (5), pinned', async () => {
    const pid = await startHeld(pinnedAtIdle, 0);
    // chrt and taskset exec: the pid the bench measures is node's.
    expect(pid).toBe(child!.pid);
    expect(policiesOf(pid)).toEqual(new Set(['5']));
    expect(new Set(coresByThread(pid).values())).toEqual(new Set(['0']));
  });

  it.skipIf(!PINNED)('pinned alone leaves the normal class', async () => {
    const pid = await startHeld(pinned, 0);
    expect(pid).toBe(child!.pid);
    expect(policiesOf(pid)).toEqual(new Set(['0']));
  });
});
