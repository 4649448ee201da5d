/**
 * The launcher (bin/) re-executes the CLI with the bundled Node 24 when the system Node is
 * older. It must never leave that child behind: before, a SIGKILL to the launcher left the
 * server running and holding its port, and a child killed by a signal made the launcher exit
 * 128 instead of 128 + the signal's number.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// The launcher only spawns a child when the Node running it is older than 24. Inside npm scripts
// `node` on PATH is the bundled Node 24, so look for the system's own Node.
const majorOf = (node: string) => {
  try {
    return Number(execFileSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }));
  } catch {
    return Infinity;
  }
};
const olderNode = [process.env.RTW_OLDER_NODE, '/usr/bin/node', '/usr/local/bin/node']
  .filter((n): n is string => n !== undefined && existsSync(n))
  .find((n) => majorOf(n) < 24);

const started: { launcher: ChildProcess; dir: string }[] = [];
afterEach(async () => {
  for (const { launcher, dir } of started.splice(0)) {
    launcher.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

/** Starts `serve` through the launcher; resolves with the server's pid from its first log line. */
async function serveThroughLauncher(): Promise<{ launcher: ChildProcess; serverPid: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'rtw-launcher-'));
  const launcher = spawn(
    olderNode!,
    [
      'bin/rollouts-traffic-webhook.js',
      'serve',
      '--dev',
      '--cert-dir',
      dir,
      '--state',
      'examples/quickstart',
    ],
    { env: { ...process.env, RTW_PORT: '0', RTW_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.push({ launcher, dir });
  const serverPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    launcher.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"msg":"serving"'));
      if (line) resolve((JSON.parse(line) as { pid: number }).pid);
    });
    launcher.on('exit', (code) => reject(new Error(`launcher exited ${code} before serving: ${out}`)));
  });
  return { launcher, serverPid };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(test: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (test()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return test();
}

describe.skipIf(olderNode === undefined)('launcher under an older system Node', () => {
  it('runs the server as a child process (the case these tests are about)', { timeout: 30_000 }, async () => {
    const { launcher, serverPid } = await serveThroughLauncher();
    expect(serverPid).not.toBe(launcher.pid);
  });

  it(
    'a SIGKILL to the launcher stops the server too: no orphan holding the port',
    { timeout: 30_000 },
    async () => {
      const { launcher, serverPid } = await serveThroughLauncher();
      launcher.kill('SIGKILL');
      expect(await until(() => !alive(serverPid), 15_000)).toBe(true);
    },
  );

  it('exits 128 + the signal number when the server is killed by a signal', { timeout: 30_000 }, async () => {
    const { launcher, serverPid } = await serveThroughLauncher();
    const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
    process.kill(serverPid, 'SIGKILL');
    expect(await exited).toBe(137);
  });

  it('forwards SIGTERM: the server drains and both exit 0', { timeout: 30_000 }, async () => {
    const { launcher, serverPid } = await serveThroughLauncher();
    const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await until(() => !alive(serverPid), 5_000)).toBe(true);
  });
});
