/**
 * Targets as child processes: started pinned to one core (the load generator gets the
 * other), ready when their readiness URL answers 200, measured from /proc, stopped by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { cpus } from 'node:os';

/** With two or more cores the target runs on core 1 and the load generator on core 0. */
export const PINNED = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

export function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return PINNED ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

/** chrt can put a process in the idle scheduling class (util-linux). */
const IDLE_CLASS = PINNED && spawnSync('chrt', ['--version']).status === 0;

/**
 * As `pinned`, in the scheduler's idle class (SCHED_IDLE, `chrt -i 0`): the process runs when
 * nothing else on the core wants to, and a task that wakes there takes the core back at once.
 * For a process that stands for another machine's work on the load generators' core. Nice 19
 * would not do: on this kernel (Linux 6.18) a thread waking beside a busy nice-19 thread waited
 * for its time slice, up to 4.5 ms at the 99th percentile, as beside a nice-0 one, against 0.12 ms
 * beside an idle-class one (docs/benchmarks.md, twelfth pass).
 */
export function pinnedAtIdle(core: number, command: string, args: string[]): [string, string[]] {
  const [cmd, argv] = pinned(core, command, args);
  return IDLE_CLASS ? ['chrt', ['-i', '0', cmd, ...argv]] : [cmd, argv];
}

/**
 * Moves every thread of a pinned Node target but its event loop (the thread whose id is the
 * pid) to `core`: V8's compiler and garbage-collector helpers, libuv's pool. `pinned` puts
 * them all on the event loop's core, where a compile job of V8's optimising compiler takes
 * the event loop's turn (docs/benchmarks.md, eleventh pass); in the chart's deployment (no
 * CPU limit) they run on the node's other cores. Threads started later inherit the event
 * loop's core. Returns how many threads were moved (0 when not pinned).
 */
export function moveHelperThreads(pid: number, core: number): number {
  if (!PINNED) return 0;
  let moved = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (tid === String(pid)) continue;
    const result = spawnSync('taskset', ['-p', '-c', String(core), tid], { stdio: 'ignore' });
    // A thread that ended meanwhile is not an error; any other refusal is.
    if (result.status === 0) moved++;
    else if (existsSync(`/proc/${pid}/task/${tid}`))
      throw new Error(`taskset could not move thread ${tid} of ${pid} to core ${core}`);
  }
  return moved;
}

export interface Target {
  name: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first 200 from the readiness URL. */
  readyMs: number;
  stderr: () => string;
}

export async function startTarget(
  name: string,
  command: string,
  args: string[],
  readyUrl: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 180_000,
  { core, idle }: { core: number; idle?: boolean } = { core: 1 },
): Promise<Target> {
  const [cmd, argv] = (idle ? pinnedAtIdle : pinned)(core, command, args);
  const started = Date.now();
  // taskset (and chrt) exec the command, so the child's pid is the target's pid.
  const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr?.on('data', (d: Buffer) => {
    errors = (errors + d.toString()).slice(-4000);
  });
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${errors}`);
    if ((await statusOf(readyUrl)) === 200)
      return { name, child, readyMs: Date.now() - started, stderr: () => errors };
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s: ${errors}`);
}

/** `serve` on the benchmark's manifest files, as every load target of the webhook runs it. */
export function serveStateArgs(stateDir: string, certDir: string, port: number): string[] {
  const flags = ['--state', stateDir, '--cert-dir', certDir, '--port', String(port)];
  return ['serve', ...flags, '--host', '127.0.0.1', '--log-level', 'warn'];
}

export async function stopTarget(target: Target): Promise<void> {
  const { child } = target;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** GET over HTTPS without verifying the certificate (loopback readiness probe). */
export function statusOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    // agent: false: a fresh connection each time, never an idle keep-alive socket the
    // server may have closed meanwhile (EPIPE).
    const req = request(url, { rejectUnauthorized: false, timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

/** POSTs a JSON body over HTTPS without verifying the certificate; resolves to the answer text. */
export function postText(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json' };
    request(url, { method: 'POST', headers, rejectUnauthorized: false, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end(body);
  });
}

export interface Memory {
  /** Resident set now and its high-water mark, MiB. */
  rssMb: number;
  hwmMb: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: round1(kb('VmRSS') / 1024), hwmMb: round1(kb('VmHWM') / 1024) };
}

/** Readings of a settled RSS: this many in a row within SETTLED_MIB of each other. */
const SETTLED_READINGS = 4;
const SETTLED_MIB = 1;

/**
 * Memory once it has settled: V8 keeps the young generation it grew during the first sync
 * until its memory reducer runs on an idle process (about 10 s later with Node 24), so a
 * reading right after the sync shows a transient peak. Polls every second, up to `maxMs`;
 * `atReadyMb` is the first reading (what the process held right after the sync).
 */
export async function settledMemoryOf(
  pid: number,
  maxMs = 25_000,
): Promise<Memory & { atReadyMb: number; settledAfterS: number }> {
  const started = Date.now();
  const readings = [memoryOf(pid)];
  while (Date.now() - started < maxMs) {
    const last = readings.slice(-SETTLED_READINGS);
    const spread = Math.max(...last.map((m) => m.rssMb)) - Math.min(...last.map((m) => m.rssMb));
    // At least 12 s, so the reducer has had its chance even when the RSS looks flat early.
    if (last.length === SETTLED_READINGS && spread <= SETTLED_MIB && Date.now() - started >= 12_000) break;
    await sleep(1000);
    readings.push(memoryOf(pid));
  }
  const now = readings[readings.length - 1]!;
  return { ...now, atReadyMb: readings[0]!.rssMb, settledAfterS: round1((Date.now() - started) / 1000) };
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU seconds (user + system) the process has used: with the machine shared, CPU per review
 * is the figure that does not depend on what else runs, unlike throughput and latency.
 */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0 || existsSync(command);
}
