/**
 * The fallback for kubeconfigs the built-in loader does not cover (exec and auth-provider
 * credential plugins, impersonation, proxy-url, unknown fields): @kubernetes/client-node's
 * KubeConfig supplies the request options for the one context we resolved, and the
 * requests still go through our node:https transport. client-node is imported here, lazily,
 * and only for such kubeconfigs: loading it costs about 80 MiB of RSS.
 */
import type { Agent as HttpAgent } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { JsonObject } from '../routing/model.js';
import { agentFor, withoutTrailingSlashes } from './endpoint.js';
import type { Endpoint, RequestTarget, TlsMaterial } from './endpoint.js';

export async function clientNodeEndpoint(config: JsonObject): Promise<Endpoint> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(JSON.stringify(config));
  return new ClientNodeEndpoint(kubeConfig);
}

class ClientNodeEndpoint implements Endpoint {
  readonly server: string;
  private readonly proxied: boolean;
  private current: { tls: TlsMaterial; agent: HttpAgent } | undefined;

  constructor(private readonly kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig handed to client-node has no current cluster');
    this.server = withoutTrailingSlashes(cluster.server);
    this.proxied = Boolean(cluster.proxyUrl);
  }

  /** Runs client-node's authenticators (an exec plugin caches its token until it expires). */
  async target(): Promise<RequestTarget> {
    const options: RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(options);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value !== undefined) headers[name] = String(value);
    }
    if (options.auth) headers['Authorization'] = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    // A proxy agent (http, https or socks) comes from client-node; otherwise our keep-alive one.
    const agent =
      this.proxied && options.agent ? (options.agent as HttpAgent) : this.agentFor(tlsOf(options));
    return { server: this.server, agent, headers };
  }

  close(): void {
    this.current?.agent.destroy();
  }

  /**
   * An exec plugin may hand out a new client certificate; the agent is rebuilt when the TLS
   * material changes. The old one is left to close its connections as their requests end.
   */
  private agentFor(tls: TlsMaterial): HttpAgent {
    if (!this.current || !sameTls(this.current.tls, tls)) {
      this.current = { tls, agent: agentFor(this.server, tls) };
    }
    return this.current.agent;
  }
}

function tlsOf(options: RequestOptions): TlsMaterial {
  const buffer = (value: unknown) =>
    typeof value === 'string' || Buffer.isBuffer(value) ? Buffer.from(value) : undefined;
  const tls: TlsMaterial = { rejectUnauthorized: options.rejectUnauthorized !== false };
  const ca = buffer(options.ca);
  const cert = buffer(options.cert);
  const key = buffer(options.key);
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  if (options.servername) tls.servername = options.servername;
  return tls;
}

function sameTls(a: TlsMaterial, b: TlsMaterial): boolean {
  const same = (x?: Buffer, y?: Buffer) =>
    x === undefined ? y === undefined : y !== undefined && x.equals(y);
  return (
    a.rejectUnauthorized === b.rejectUnauthorized &&
    a.servername === b.servername &&
    same(a.ca, b.ca) &&
    same(a.cert, b.cert) &&
    same(a.key, b.key)
  );
}
