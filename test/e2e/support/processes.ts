import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { once } from 'node:events';

/** A process this harness started: its pid is the only handle used to stop it. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  readonly stopGraceMs: number;
  /** Signals go to the process group this harness made for it (see StartOptions.ownGroup). */
  readonly ownGroup: boolean;
}

export interface StartOptions {
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly stopGraceMs?: number;
  /**
   * Start it as the leader of a new process group and signal that group, so the children it
   * starts (the Rollouts controller's plugin processes) stop with it even after a SIGKILL.
   */
  readonly ownGroup?: boolean;
}

const STOP_GRACE_MS = 10_000;

/**
 * Starts and stops the processes of one owner (the global setup, or one test file), in
 * reverse start order, by pid only. A synchronous 'exit' hook SIGKILLs whatever is still
 * running, so a crash or an aborted run never leaves a control plane behind.
 */
export class ProcessGroup {
  private readonly running: ManagedProcess[] = [];

  constructor() {
    process.once('exit', () => this.killAllNow());
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        this.killAllNow();
        process.kill(process.pid, signal);
      });
    }
  }

  start(name: string, command: string, args: readonly string[], options: StartOptions): ManagedProcess {
    const fd = openSync(options.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        stdio: ['ignore', fd, fd],
        env: options.env ?? process.env,
        cwd: options.cwd,
        detached: options.ownGroup ?? false,
      });
    } finally {
      closeSync(fd); // the child holds its own copy of the descriptor
    }
    if (child.pid === undefined) {
      throw new Error(`could not start ${name} (${command}): no pid`);
    }
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
      child.once('error', (err) => resolve(`spawn error: ${err.message}`));
    });
    const managed: ManagedProcess = {
      name,
      pid: child.pid,
      logFile: options.logFile,
      child,
      exited,
      stopGraceMs: options.stopGraceMs ?? STOP_GRACE_MS,
      ownGroup: options.ownGroup ?? false,
    };
    this.running.push(managed);
    void exited.then(() => this.forget(managed));
    return managed;
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. */
  async stop(managed: ManagedProcess, graceMs = managed.stopGraceMs): Promise<void> {
    if (managed.child.exitCode !== null || managed.child.signalCode !== null) return;
    signal(managed, 'SIGTERM');
    const timer = setTimeout(() => {
      if (managed.child.exitCode === null && managed.child.signalCode === null) signal(managed, 'SIGKILL');
    }, graceMs);
    await managed.exited;
    clearTimeout(timer);
    // Children of a group leader may outlive it (a plugin left behind by a SIGKILL).
    if (managed.ownGroup) signal(managed, 'SIGKILL');
  }

  /** Stops everything this group started, newest first. */
  async stopAll(): Promise<void> {
    for (const managed of [...this.running].reverse()) {
      await this.stop(managed);
    }
  }

  isRunning(managed: ManagedProcess): boolean {
    return this.running.includes(managed);
  }

  private forget(managed: ManagedProcess): void {
    const index = this.running.indexOf(managed);
    if (index >= 0) this.running.splice(index, 1);
  }

  private killAllNow(): void {
    for (const managed of this.running) {
      signal(managed, 'SIGKILL');
    }
  }
}

/** Signals the process, or its whole group when it leads one; a process already gone is no error. */
function signal(managed: ManagedProcess, name: NodeJS.Signals): void {
  try {
    process.kill(managed.ownGroup ? -managed.pid : managed.pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The last lines of a log file, for error messages that say why a component did not come up. */
export function logTail(logFile: string, lines = 30): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log at ${logFile}: ${(err as Error).message})`;
  }
}

export interface CapturedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion and captures its output; never throws for a non-zero exit. */
export async function capture(
  command: string,
  args: readonly string[],
  { env, stdin }: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<CapturedRun> {
  const child = spawn(command, args, {
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: env ?? process.env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (child.stdin) {
    // A command that exits without reading its input must not crash the run with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  }
  const [code] = (await once(child, 'close')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}

/** Runs a command to completion and returns stdout; throws with stderr on a non-zero exit. */
export async function run(command: string, args: readonly string[]): Promise<string> {
  const { code, stdout, stderr } = await capture(command, args);
  if (code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`);
  }
  return stdout;
}
