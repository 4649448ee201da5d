/** Runs the real CLI (bin/ launcher, built dist/) as a user would. */
import { spawnSync } from 'node:child_process';

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
