import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { connectToCluster } from '../../src/cluster/connect.js';
import type { ApiConnection } from '../../src/cluster/connect.js';
import type { JsonObject } from '../../src/routing/model.js';
import { issue, testCa } from '../webhook/cert-volume.js';
import type { Pair } from '../webhook/cert-volume.js';
import { ListWatchApiServer } from './list-watch-apiserver.js';
import { wireService } from './wire.js';

const TOKEN = 'fake-token';
const SERVICES = '/api/v1/services';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rtw-connect-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function started(fake: ListWatchApiServer): Promise<ListWatchApiServer> {
  await fake.start();
  cleanups.push(() => fake.stop());
  fake.upsert('services', wireService('shop', 'svc'));
  return fake;
}

async function tlsFake(): Promise<{ fake: ListWatchApiServer; ca: Pair }> {
  const ca = await testCa();
  const fake = await started(new ListWatchApiServer({ ...(await issue(ca)), clientCa: ca.cert }));
  return { fake, ca };
}

async function connected(options: Parameters<typeof connectToCluster>[0]): Promise<ApiConnection> {
  const connection = await connectToCluster(options);
  cleanups.push(() => connection.api.close());
  return connection;
}

async function listsOne(connection: ApiConnection): Promise<void> {
  const page = await connection.api.list(SERVICES, {}, AbortSignal.timeout(5000));
  expect(page.items).toHaveLength(1);
}

function kubeconfig(path: string, cluster: JsonObject, user: JsonObject): string {
  writeFileSync(
    path,
    stringify({
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'main', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'main',
    }),
  );
  return path;
}

describe('connectToCluster: where the cluster is found', () => {
  it('reads --kubeconfig / KUBECONFIG, one file or a list', async () => {
    const fake = await started(new ListWatchApiServer());
    const dir = tempDir();
    writeFileSync(join(dir, 'fake'), fake.kubeconfigYaml());
    const connection = await connected({ kubeconfig: `${join(dir, 'missing')}:${join(dir, 'fake')}` });
    expect(connection.info).toEqual({
      server: fake.url,
      source: `kubeconfig ${join(dir, 'fake')}, context fake`,
      loader: 'built-in',
      credentials: 'token',
    });
    await listsOne(connection);
  });

  it('uses the in-cluster config in a pod, ~/.kube/config elsewhere', async () => {
    const { fake, ca } = await tlsFake();
    const home = tempDir();
    mkdirSync(join(home, '.kube'));
    kubeconfig(
      join(home, '.kube/config'),
      { server: 'https://elsewhere:6443', 'insecure-skip-tls-verify': true },
      {},
    );
    const serviceAccountDir = tempDir();
    writeFileSync(join(serviceAccountDir, 'token'), TOKEN);
    writeFileSync(join(serviceAccountDir, 'ca.crt'), ca.cert);
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(fake.listeningPort) };
    const inCluster = await connected({ home, env, serviceAccountDir });
    expect(inCluster.info).toEqual({
      server: fake.url,
      source: 'in-cluster config',
      loader: 'built-in',
      credentials: 'ServiceAccount token',
    });
    await listsOne(inCluster);
    expect((await connected({ home, env: {}, serviceAccountDir })).info.server).toBe(
      'https://elsewhere:6443',
    );
  });

  it('says so when there is no cluster to watch', async () => {
    await expect(connectToCluster({ home: tempDir(), env: {} })).rejects.toThrow(
      'no cluster to watch: --kubeconfig and KUBECONFIG are unset, this is not a pod (KUBERNETES_SERVICE_HOST is unset), and ~/.kube/config does not exist',
    );
  });
});

describe('connectToCluster: the client-node fallback', () => {
  it('gets the token from an exec credential plugin and sends through the same transport', async () => {
    const fake = await started(new ListWatchApiServer());
    const dir = tempDir();
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: TOKEN },
    };
    writeFileSync(join(dir, 'plugin.sh'), `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`, {
      mode: 0o755,
    });
    const file = kubeconfig(
      join(dir, 'config'),
      { server: fake.url, 'insecure-skip-tls-verify': true },
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: './plugin.sh',
          interactiveMode: 'Never',
        },
      },
    );
    const connection = await connected({ kubeconfig: file });
    expect(connection.info).toEqual({
      server: fake.url,
      source: `kubeconfig ${file}, context main`,
      loader: 'client-node (user "u" uses an exec credential plugin)',
    });
    await listsOne(connection);
    expect(connection.api.calls.list).toBe(1);
  });

  it('reaches an HTTPS apiserver through the proxy-url of the kubeconfig', async () => {
    const { fake, ca } = await tlsFake();
    const tunnels: string[] = [];
    // A CONNECT proxy: the TLS session still runs end to end, with the apiserver's certificate.
    const proxy = createServer();
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = tcpConnect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    proxy.on('connection', (socket) => cleanups.push(() => void socket.destroy()));
    const dir = tempDir();
    const file = kubeconfig(
      join(dir, 'config'),
      {
        server: fake.url,
        'certificate-authority-data': Buffer.from(ca.cert).toString('base64'),
        'proxy-url': `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      },
      { token: TOKEN },
    );
    const connection = await connected({ kubeconfig: file });
    expect(connection.info.loader).toBe('client-node (cluster "c" sets proxy-url)');
    await listsOne(connection);
    expect(tunnels).toEqual([`127.0.0.1:${fake.listeningPort}`]);
  });
});
