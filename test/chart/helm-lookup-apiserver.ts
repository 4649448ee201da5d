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
/** An object or collection path under a group version: /api/v1/... or /apis/<group>/<version>/... */
const RESOURCE_PATH = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/(?:namespaces\/[^/]+\/)?([a-z]+)(?:\/([^/]+))?$/;

/** The kinds the chart renders, by group version, so helm can map every manifest to a resource. */
const DISCOVERY: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  v1: [
    { name: 'pods', kind: 'Pod', namespaced: true },
    { name: 'secrets', kind: 'Secret', namespaced: true },
    { name: 'services', kind: 'Service', namespaced: true },
    { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  ],
  'apps/v1': [{ name: 'deployments', kind: 'Deployment', namespaced: true }],
  'policy/v1': [{ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true }],
  'rbac.authorization.k8s.io/v1': [
    { name: 'clusterroles', kind: 'ClusterRole', namespaced: false },
    { name: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
    { name: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  ],
  'admissionregistration.k8s.io/v1': [
    { name: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false },
    { name: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', namespaced: false },
  ],
  'networking.k8s.io/v1': [{ name: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true }],
};
const KNOWN_RESOURCES = new Set(Object.values(DISCOVERY).flatMap((list) => list.map((r) => r.name)));

function resourceList(groupVersion: string): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: DISCOVERY[groupVersion]!.map((r) => ({
      name: r.name,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
    })),
  };
}

function groupList(): object {
  const groups = new Map<string, string[]>();
  for (const gv of Object.keys(DISCOVERY).filter((gv) => gv.includes('/'))) {
    const [group, version] = gv.split('/') as [string, string];
    groups.set(group, [...(groups.get(group) ?? []), version]);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

export class HelmLookupApiServer {
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
    if (req.method !== 'GET')
      return this.reply(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not served`));
    if (path === '/version') {
      return this.reply(res, 200, {
        major: '1',
        minor: '37',
        gitVersion: 'v1.37.2',
        platform: 'linux/amd64',
      });
    }
    if (path === '/api')
      return this.reply(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') return this.reply(res, 200, groupList());
    const groupVersion =
      path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : '';
    if (DISCOVERY[groupVersion]) return this.reply(res, 200, resourceList(groupVersion));
    const secret = SECRET_PATH.exec(path);
    if (secret) {
      const found = this.secrets.get(`${secret[1]}/${secret[2]}`);
      return found
        ? this.reply(res, 200, found)
        : this.reply(res, 404, status(404, 'NotFound', `secrets "${secret[2]}" not found`));
    }
    const resource = RESOURCE_PATH.exec(path);
    if (resource && KNOWN_RESOURCES.has(resource[1]!)) {
      // Nothing but the Secrets above exists: single objects are not found, lists are empty
      // (helm's release storage lists Secrets by label, and finds no release).
      return resource[2]
        ? this.reply(res, 404, status(404, 'NotFound', `${resource[1]} "${resource[2]}" not found`))
        : this.reply(res, 200, {
            kind: 'List',
            apiVersion: 'v1',
            metadata: { resourceVersion: '1' },
            items: [],
          });
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
