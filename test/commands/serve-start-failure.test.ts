/**
 * A `serve` that cannot start must end, with the reason, rather than live on serving nothing.
 * Before the fix, a port already taken left a process that watched a cluster running: its
 * watches held the event loop, and it stayed up, unready, until killed. The real CLI, as a
 * user or a kubelet runs it, and the server in process, where a mutant of its clean-up must
 * show (the CLI runs the built dist/).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListWatchApiServer } from '../cluster/list-watch-apiserver.js';
import { eventually, seedQuickstart, sleep, startAgainst } from '../faults/cluster-server.js';
import { startHarness } from '../webhook/harness.js';
import { runCli, runCliAsync } from './cli-run.js';

/**
 * Long enough for a start on a busy machine, far shorter than "until killed", and under the
 * test's own timeout, so that a CLI still running reads as status null, not as a timeout.
 */
const ENDS_WITHIN_MS = 15_000;

describe('serve when its port is taken', () => {
  let holder: Server;
  let port: number;
  let certDir: string;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'rtw-serve-port-'));
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    rmSync(certDir, { recursive: true, force: true });
  });

  it('ends with status 1, the reason and the flags to change', () => {
    const args = ['serve', '--dev', '--cert-dir', certDir, '--host', '127.0.0.1', '--port', String(port)];
    const { code, stderr } = runCli(args, undefined, undefined, undefined, ENDS_WITHIN_MS);
    // A status of null is the spawn's timeout: the process was still running.
    expect(code).toBe(1);
    expect(stderr).toContain(
      `rollouts-traffic-webhook serve: listen EADDRINUSE: address already in use 127.0.0.1:${port}. ` +
        "Check --port (or RTW_PORT) and --host (or RTW_HOST): the port must be free, and the address one of this machine's.\n",
    );
  });

  it('ends the same way watching a cluster (its watches open)', async () => {
    const fake = new ListWatchApiServer();
    await fake.start();
    try {
      await seedQuickstart(fake);
      const kubeconfig = join(certDir, 'kubeconfig');
      writeFileSync(kubeconfig, fake.kubeconfigYaml());
      const args = ['serve', '--kubeconfig', kubeconfig, '--dev', '--cert-dir', certDir];
      // Not spawnSync: the fake apiserver in this process must answer the watches meanwhile.
      const { code, stderr } = await runCliAsync(
        [...args, '--host', '127.0.0.1', '--port', String(port)],
        ENDS_WITHIN_MS,
      );
      expect(code).toBe(1);
      expect(stderr).toContain(`listen EADDRINUSE: address already in use 127.0.0.1:${port}.`);
    } finally {
      await fake.stop();
    }
  });

  it('closes its watches when it cannot listen (in process)', async () => {
    const fake = new ListWatchApiServer();
    await fake.start();
    try {
      await seedQuickstart(fake);
      await expect(startAgainst(fake, {}, { port })).rejects.toThrow(
        `listen EADDRINUSE: address already in use 127.0.0.1:${port}. ` +
          "Check --port (or RTW_PORT) and --host (or RTW_HOST): the port must be free, and the address one of this machine's.",
      );
      // The start began listing before it tried the port. Left running, its caches open a watch
      // per resource within milliseconds on loopback; after a second, none may be open.
      await sleep(1_000);
      expect(fake.openWatches()).toBe(0);
    } finally {
      await fake.stop();
    }
  });

  it('ends the same way serving manifest files', () => {
    const args = [
      'serve',
      '--state',
      'examples/quickstart',
      '--dev',
      '--cert-dir',
      certDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ];
    const { code, stderr } = runCli(args, undefined, undefined, undefined, ENDS_WITHIN_MS);
    expect(code).toBe(1);
    expect(stderr).toContain(`listen EADDRINUSE: address already in use 127.0.0.1:${port}.`);
  });
});

describe('serve --state with a path that cannot be read', () => {
  it('ends with status 2 and the path', () => {
    const args = [
      'serve',
      '--state',
      '/nonexistent/state-typo',
      '--dev',
      '--cert-dir',
      join(tmpdir(), 'rtw-unused'),
    ];
    const { code, stderr } = runCli(args, undefined, undefined, undefined, ENDS_WITHIN_MS);
    expect(code).toBe(2);
    expect(stderr).toContain('--state: /nonexistent/state-typo: cannot be read: ENOENT');
  });
});

describe('serve --state with paths that cannot be read', () => {
  it('names each, one a line (in process)', async () => {
    await expect(startHarness({ state: ['/nonexistent/state-a', '/nonexistent/state-b'] })).rejects.toThrow(
      "--state: /nonexistent/state-a: cannot be read: ENOENT: no such file or directory, stat '/nonexistent/state-a'\n" +
        "/nonexistent/state-b: cannot be read: ENOENT: no such file or directory, stat '/nonexistent/state-b'",
    );
  });
});

describe("a started serve's stop", () => {
  it('closes the watches it opened (the twin of the failed start)', async () => {
    const fake = new ListWatchApiServer();
    await fake.start();
    try {
      await seedQuickstart(fake);
      const served = await startAgainst(fake);
      await eventually(() => expect(fake.openWatches()).toBe(4));
      await served.h.close();
      await eventually(() => expect(fake.openWatches()).toBe(0));
    } finally {
      await fake.stop();
    }
  });
});
