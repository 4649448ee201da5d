/**
 * client-node costs about 80 MiB of RSS to import; `serve` must not load it for the
 * in-cluster config or a kubeconfig with static credentials. Nor Node's own bundled undici
 * (about 8 MiB), which an ESM import of node:http pulls in (see node-http.ts). Checked on
 * the real command in a child process, which logs every module it loads (record-imports.mjs).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '../../src/webhook/tls.js';
import { ListWatchApiServer } from './list-watch-apiserver.js';

const HOOK = fileURLToPath(new URL('./record-imports.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const CLIENT_NODE = /\/node_modules\/@kubernetes\//;
const NODE_UNDICI = 'node:internal/deps/undici/undici';

let dir: string;
let fake: ListWatchApiServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtw-lazy-'));
  await ensureDevCertificates(join(dir, 'certs'));
  fake = new ListWatchApiServer();
  await fake.start();
});

afterEach(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `serve --kubeconfig` until every cache watches, stops it, and returns the modules it resolved. */
async function modulesLoadedByServe(kubeconfig: string): Promise<string[]> {
  const log = join(dir, 'imports.log');
  const args = ['--import', 'tsx', '--import', HOOK, CLI, 'serve', '--kubeconfig', kubeconfig];
  args.push('--cert-dir', join(dir, 'certs'), '--port', '0', '--host', '127.0.0.1', '--log-level', 'info');
  const child = spawn(process.execPath, args, {
    env: { ...process.env, RTW_IMPORT_LOG: log },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: child.stdout! });
    const exited = once(child, 'exit').then(() => {
      throw new Error('serve exited before it watched every resource');
    });
    exited.catch(() => undefined); // reported through the race only
    const watching = (async () => {
      for await (const line of lines) if (line.includes('"serving"')) break;
      await expect.poll(() => fake.openWatches(), { timeout: 15_000 }).toBe(4);
    })();
    await Promise.race([watching, exited]);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('serve loads @kubernetes/client-node only for the fallback', () => {
  it('never loads it for a kubeconfig with a token', { timeout: 40_000 }, async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeconfigYaml());
    const modules = await modulesLoadedByServe(kubeconfig);
    expect(modules.some((url) => url.endsWith('/src/cluster/http-kube-api.ts'))).toBe(true);
    expect(modules.filter((url) => CLIENT_NODE.test(url))).toEqual([]);
    expect(modules).toContain('node:internal/tls/wrap');
    expect(modules).not.toContain(NODE_UNDICI);
  });

  it(
    'loads it for an exec credential plugin (so the check above can fail)',
    { timeout: 40_000 },
    async () => {
      const credential = {
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        status: { token: 'fake-token' },
      };
      writeFileSync(join(dir, 'plugin.sh'), `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`, {
        mode: 0o755,
      });
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(
        kubeconfig,
        stringify({
          clusters: [{ name: 'fake', cluster: { server: fake.url, 'insecure-skip-tls-verify': true } }],
          users: [
            { name: 'u', user: { exec: { apiVersion: credential.apiVersion, command: './plugin.sh' } } },
          ],
          contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'u' } }],
          'current-context': 'fake',
        }),
      );
      const modules = await modulesLoadedByServe(kubeconfig);
      expect(modules.some((url) => CLIENT_NODE.test(url))).toBe(true);
    },
  );
});
