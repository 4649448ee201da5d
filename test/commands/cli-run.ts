/** Runs the real CLI (bin/ launcher, built dist/) as a user would. */
import { spawn, spawnSync } from 'node:child_process';

export const BIN = 'bin/rollouts-traffic-webhook.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI still running after timeoutMs is killed; its status is then null. */
export function runCli(
  args: string[],
  input?: string,
  cwd?: string,
  bin = BIN,
  timeoutMs = 60_000,
): CliResult {
  const result = spawnSync(process.execPath, [bin, ...args], {
    input,
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * runCli without blocking this process, for a CLI that talks to a server in it (a fake
 * apiserver); killed as runCli's is after timeoutMs.
 */
export function runCliAsync(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
