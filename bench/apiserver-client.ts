/**
 * A keep-alive HTTPS client for the benches that talk to the e2e kube-apiserver
 * (bench/real-apiserver.ts, bench/apiserver-writes.ts): client-certificate auth, a fixed
 * socket pool, JSON bodies, and the status and text of every answer.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { resourceOfManifest } from '../src/cluster/project.js';
import type { JsonObject } from '../src/routing/model.js';
import { withoutServerFields } from './fixtures.js';

export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

export interface ApiAnswer {
  status: number;
  text: string;
}

export class ApiserverClient {
  private readonly agent: Agent;

  constructor(
    private readonly server: string,
    tls: ClientTls,
    sockets: number,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: sockets,
      ca: readFileSync(tls.ca),
      cert: readFileSync(tls.cert),
      key: readFileSync(tls.key),
    });
  }

  /** Any answer, whatever its status, as text; rejects only when no answer came. */
  async request(
    method: string,
    path: string,
    body?: JsonObject,
    contentType = 'application/json',
  ): Promise<ApiAnswer> {
    const { status, bytes } = await this.exchange(method, path, body, contentType);
    return { status, text: bytes.toString('utf8') };
  }

  /** Like request, but anything other than 2xx is an error carrying the apiserver's message. */
  async send(method: string, path: string, body?: JsonObject, contentType?: string): Promise<string> {
    const answer = await this.request(method, path, body, contentType);
    if (answer.status < 200 || answer.status >= 300)
      throw new Error(`${method} ${path}: ${answer.status} ${answer.text.slice(0, 500)}`);
    return answer.text;
  }

  /** The body of a 2xx answer to a GET, as bytes (a pprof profile is binary). */
  async bytes(path: string): Promise<Buffer> {
    const { status, bytes } = await this.exchange('GET', path, undefined, 'application/json');
    if (status < 200 || status >= 300)
      throw new Error(`GET ${path}: ${status} ${bytes.toString('utf8', 0, 300)}`);
    return bytes;
  }

  /**
   * One request and its whole answer. A kept-alive socket the server closed while idle fails
   * on reuse with ECONNRESET: that request is sent once more on a fresh socket (Node's
   * documented pattern, `req.reusedSocket`).
   */
  private async exchange(
    method: string,
    path: string,
    body: JsonObject | undefined,
    contentType: string,
  ): Promise<{ status: number; bytes: Buffer }> {
    try {
      return await this.exchangeOnce(method, path, body, contentType);
    } catch (err) {
      if ((err as { reusedSocket?: boolean }).reusedSocket !== true) throw err;
      return this.exchangeOnce(method, path, body, contentType);
    }
  }

  private exchangeOnce(
    method: string,
    path: string,
    body: JsonObject | undefined,
    contentType: string,
  ): Promise<{ status: number; bytes: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.server}${path}`,
        { method, agent: this.agent, headers: { 'content-type': contentType } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          Object.assign(new Error(`${method} ${path}: ${err.message}`), {
            reusedSocket: req.reusedSocket && err.code === 'ECONNRESET',
          }),
        ),
      );
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The REST prefix of each resource the benches write. */
export const API_PREFIX: Record<string, string> = {
  rollouts: '/apis/argoproj.io/v1alpha1',
  ingresses: '/apis/networking.k8s.io/v1',
  ingressclasses: '/apis/networking.k8s.io/v1',
  services: '/api/v1',
};

/** The collection URL of `resource` in `namespace` (cluster-scoped without one). */
export function collectionPath(resource: string, namespace: unknown): string {
  const prefix = API_PREFIX[resource];
  if (!prefix) throw new Error(`no REST prefix for ${resource}`);
  return `${prefix}${typeof namespace === 'string' ? `/namespaces/${namespace}` : ''}/${resource}`;
}

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function pool<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Creates one manifest (server-set metadata removed) in its collection. Status is a
 * subresource, so the create drops a Rollout's status: it is then written to /status, as the
 * Rollouts controller would. Returns what was written, or null for a kind the benches skip.
 */
export async function createManifest(
  client: ApiserverClient,
  manifest: JsonObject,
): Promise<{ resource: string; statusWritten: boolean } | null> {
  const resource = resourceOfManifest(String(manifest['apiVersion']), String(manifest['kind']));
  if (!resource) return null;
  const object = withoutServerFields(manifest);
  const metadata = object['metadata'] as JsonObject;
  const collection = collectionPath(resource, metadata['namespace']);
  await client.send('POST', collection, object);
  if (resource !== 'rollouts' || !object['status']) return { resource, statusWritten: false };
  await client.send(
    'PATCH',
    `${collection}/${String(metadata['name'])}/status`,
    { status: object['status'] },
    'application/merge-patch+json',
  );
  return { resource, statusWritten: true };
}
