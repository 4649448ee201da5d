// A loopback stand-in for the Kubernetes API, just enough for `helm template --dry-run=server`:
// discovery, /version and GET of Secrets. It lets a test play "the cluster already holds the
// chart's Secrets" and check what the chart's `lookup` does with them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { K8sObject } from './helm.js';

const SECRET_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/;
const LIST_PATH = /^\/api\/v1\/(?:namespaces\/[^/]+\/)?([a-z]+)$/;

export class FakeApiServer {
  private readonly secrets = new Map<string, K8sObject>();
  /** Paths the fake did not know, so a test can show why helm failed. */
  readonly unknownPaths: string[] = [];
  private server = createServer((req, res) => this.handle(req, res));
  private port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  putSecret(secret: K8sObject): void {
    const namespace = secret.metadata.namespace ?? 'default';
    this.secrets.set(`${namespace}/${secret.metadata.name}`, structuredClone(secret));
  }

  clearSecrets(): void {
    this.secrets.clear();
  }

  /** Writes a kubeconfig pointing at this server and returns its path. */
  writeKubeconfig(dir: string): string {
    const file = join(dir, `kubeconfig-${this.port}.yaml`);
    writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${this.port}` } }],
        users: [{ name: 'fake', user: { token: 'not-checked' } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
        'current-context': 'fake',
      }),
    );
    return file;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method !== 'GET') return this.reply(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not served`));
    if (path === '/version') {
      return this.reply(res, 200, { major: '1', minor: '37', gitVersion: 'v1.37.2', platform: 'linux/amd64' });
    }
    if (path === '/api') return this.reply(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') return this.reply(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (path === '/api/v1') {
      return this.reply(res, 200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [{ name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: ['get', 'list'] }],
      });
    }
    const secret = SECRET_PATH.exec(path);
    if (secret) {
      const found = this.secrets.get(`${secret[1]}/${secret[2]}`);
      return found
        ? this.reply(res, 200, found)
        : this.reply(res, 404, status(404, 'NotFound', `secrets "${secret[2]}" not found`));
    }
    const list = LIST_PATH.exec(path);
    if (list && list[1] === 'secrets') {
      // Helm's release storage lists Secrets by label; this fake holds no releases.
      return this.reply(res, 200, { kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] });
    }
    this.unknownPaths.push(path);
    this.reply(res, 404, status(404, 'NotFound', `the fake API server does not serve ${path}`));
  }

  private reply(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function status(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
