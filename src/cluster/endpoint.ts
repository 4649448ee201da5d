/**
 * Where the apiserver is and what each request to it carries. An `Endpoint` hands the
 * transport (`http-kube-api.ts`) the server URL, a keep-alive agent holding the TLS
 * material, and the headers of the next request. `DirectEndpoint` serves the settings our
 * own loaders read (in-cluster config, kubeconfigs with static credentials); the
 * client-node fallback (`client-node-endpoint.ts`) implements the same interface.
 */
import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { nodeHttp } from './node-http.js';

/** A server URL without trailing slashes (a loop: `/\/+$/` backtracks on a long run of `/`). */
export function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

/** TLS settings of the connection, as node:tls takes them. */
export interface TlsMaterial {
  /** CA bundle; undefined trusts Node's default roots. */
  ca?: Buffer;
  /** Client certificate and key (both or neither). */
  cert?: Buffer;
  key?: Buffer;
  /** False only for `insecure-skip-tls-verify: true`. */
  rejectUnauthorized: boolean;
  /** Name to verify the server certificate against (`tls-server-name`). */
  servername?: string;
}

/** Everything needed to talk to the apiserver with static (or file-refreshed) credentials. */
export interface Connection {
  /** Base URL, without a trailing slash. */
  server: string;
  tls: TlsMaterial;
  /** The Authorization header of the next request, or undefined; read per request so tokens can rotate. */
  authorization(): string | undefined;
  /** Where the settings came from and which credentials, for the start-up log line. */
  source: string;
  credentials: string;
}

/** What one request is sent with. */
export interface RequestTarget {
  server: string;
  agent: HttpAgent;
  headers: Record<string, string>;
}

export interface Endpoint {
  readonly server: string;
  /** Settings for the next request; may run a credential plugin (the fallback), hence async. */
  target(): Promise<RequestTarget>;
  /** Closes idle keep-alive connections; requests in flight are aborted by their own signals. */
  close(): void;
}

/**
 * One keep-alive agent per endpoint: list pages and re-watches reuse open TLS connections
 * instead of paying a handshake each. Plain `http:` only for a server given that way.
 */
export function agentFor(server: string, tls: TlsMaterial): HttpAgent {
  if (new URL(server).protocol === 'http:') return new nodeHttp.Agent({ keepAlive: true });
  const { ca, cert, key, rejectUnauthorized, servername } = tls;
  return new HttpsAgent({ keepAlive: true, ca, cert, key, rejectUnauthorized, servername });
}

export class DirectEndpoint implements Endpoint {
  readonly server: string;
  private readonly agent: HttpAgent;

  constructor(readonly connection: Connection) {
    this.server = connection.server;
    this.agent = agentFor(connection.server, connection.tls);
  }

  async target(): Promise<RequestTarget> {
    const authorization = this.connection.authorization();
    const headers: Record<string, string> = authorization ? { Authorization: authorization } : {};
    return { server: this.server, agent: this.agent, headers };
  }

  close(): void {
    this.agent.destroy();
  }
}
