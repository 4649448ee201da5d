/**
 * A local stand-in for the apiserver's list and watch endpoints (plain HTTP on 127.0.0.1,
 * or HTTPS that also accepts client certificates) and /version, with the faults the cache must survive: dropped watch streams, `410 Gone` as an HTTP
 * status or as an ERROR event, bookmarks, silent watches, a missing CRD, and the whole
 * server dying and coming back on the same port. It keeps an event log so a watch from
 * any resourceVersion after the compaction point replays exactly what it missed.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { stringify } from 'yaml';
import { DirectEndpoint } from '../../src/cluster/endpoint.js';
import { HttpKubeApi } from '../../src/cluster/http-kube-api.js';
import type { JsonObject } from '../../src/routing/model.js';
import type { ResourceKind } from '../../src/cluster/cluster-state.js';
import type { StreamTiming } from '../../src/cluster/resource-stream.js';

const TOKEN = 'fake-token';
/** The user name a client certificate must carry (its CN), as the apiserver reads it. */
export const CERT_USER = 'tester';

/** Serving over HTTPS: the server's pair, and the CA that client certificates must chain to. */
export interface FakeTls {
  cert: string;
  key: string;
  clientCa: string;
}

/** Cache timings small enough for every fault against this server to play out in about a second. */
export const FAST_STREAM_TIMING: Partial<StreamTiming> = {
  // Tests that want the watchdog to fire lower it; elsewhere it would mask a missing relist.
  listTimeoutMs: 2_000,
  watchTimeoutSeconds: 60,
  watchdogMs: 30_000,
  healthyWatchMs: 150,
  backoffInitialMs: 20,
  backoffMaxMs: 200,
};
const PATH =
  /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/(rollouts|ingresses|services|ingressclasses|httproutes|grpcroutes)$/;

interface LoggedEvent {
  rv: number;
  kind: ResourceKind;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: JsonObject;
}

interface Watcher {
  kind: ResourceKind;
  namespace?: string;
  bookmarks: boolean;
  res: ServerResponse;
}

export interface RecordedRequest {
  kind: ResourceKind;
  verb: 'list' | 'watch';
  namespace?: string;
  query: Record<string, string>;
  at: number;
}

export class ListWatchApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Fault switches; flip them between steps of a test. */
  readonly faults = {
    /** Answer 404 for Rollouts, as when the CRD is not installed. */
    rolloutsMissing: false,
    /** How an expired resourceVersion is answered: HTTP 410, or 200 with an ERROR event. */
    goneAs: 'status' as 'status' | 'event',
    /** Accept watches but never send anything (a stalled stream). */
    silentWatches: false,
    /** Resources whose requests are answered 403 Forbidden (RBAC missing). */
    forbidden: new Set<string>(),
    /** Accept watches and end them at once, without an event (a flapping proxy). */
    closeWatchesAtOnce: false,
    /** Serve HTTPRoutes and GRPCRoutes; off, they answer 404 as without the Gateway API CRDs. */
    gatewayApiInstalled: false,
  };
  private server: Server;
  private port = 0;
  private rv = 1000;
  private compactedRv = 0;
  private readonly objects = new Map<ResourceKind, Map<string, JsonObject>>();
  /** Per kind, the objects in key order; dropped on every change (sortedTable). */
  private readonly sorted = new Map<ResourceKind, JsonObject[]>();
  private readonly events: LoggedEvent[] = [];
  private readonly watchers = new Set<Watcher>();

  constructor(readonly tls?: FakeTls) {
    this.server = this.newServer();
  }

  async start(): Promise<void> {
    await this.listen(0);
  }

  /** The apiserver dies: the listener closes and every connection, watches included, is cut. */
  async kill(): Promise<void> {
    this.watchers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** The apiserver comes back on the same port with the same data. */
  async revive(): Promise<void> {
    this.server = this.newServer();
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    if (this.server.listening) await this.kill();
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** The transport of the webhook, with the bearer token this server accepts (or `token`). */
  api(token = TOKEN): HttpKubeApi {
    return fakeApi(this.port, token);
  }

  /** A kubeconfig file's text for this server, with a bearer token. */
  kubeconfigYaml(): string {
    return fakeKubeconfigYaml(this.port);
  }

  get listeningPort(): number {
    return this.port;
  }

  // -------------------------------------------------------------------------------------
  // The cluster's truth
  // -------------------------------------------------------------------------------------

  upsert(kind: ResourceKind, object: JsonObject): void {
    const table = this.table(kind);
    const key = keyOf(object);
    const type = table.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = withResourceVersion(object, ++this.rv);
    table.set(key, stored);
    this.sorted.delete(kind);
    this.record({ rv: this.rv, kind, type, object: stored });
  }

  remove(kind: ResourceKind, namespace: string, name: string): void {
    const table = this.table(kind);
    const key = kind === 'ingressclasses' ? name : `${namespace}/${name}`;
    const existing = table.get(key);
    if (!existing) return;
    table.delete(key);
    this.sorted.delete(kind);
    this.record({ rv: ++this.rv, kind, type: 'DELETED', object: withResourceVersion(existing, this.rv) });
  }

  truth(kind: ResourceKind): JsonObject[] {
    return [...this.table(kind).values()];
  }

  get resourceVersion(): number {
    return this.rv;
  }

  // -------------------------------------------------------------------------------------
  // Faults
  // -------------------------------------------------------------------------------------

  /** Everything up to now leaves the event window: watches from older versions get 410. */
  compact(): void {
    this.compactedRv = this.rv;
  }

  /** Cuts every open watch mid-stream without ending the chunked response. */
  dropWatches(): void {
    for (const w of this.watchers) w.res.socket?.destroy();
    this.watchers.clear();
  }

  /** Sends an ERROR event with code 410 on every open watch and ends it. */
  expireWatches(): void {
    for (const w of this.watchers) {
      send(w.res, goneEvent());
      w.res.end();
    }
    this.watchers.clear();
  }

  /** Writes a line that is not JSON on every open watch. */
  sendGarbage(): void {
    for (const w of this.watchers) w.res.write('{"type": "MODIFIED", "object": {\n');
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for them. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      send(w.res, {
        type: 'BOOKMARK',
        object: { kind: 'Bookmark', metadata: { resourceVersion: String(this.rv) } },
      });
    }
  }

  openWatches(): number {
    return this.watchers.size;
  }

  count(verb: 'list' | 'watch', kind?: ResourceKind): number {
    return this.requests.filter((r) => r.verb === verb && (kind === undefined || r.kind === kind)).length;
  }

  // -------------------------------------------------------------------------------------
  // HTTP
  // -------------------------------------------------------------------------------------

  private newServer(): Server {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    if (!this.tls) return createServer(handler);
    // Like the apiserver: a client certificate is asked for but optional; without one (or a
    // token) the request is answered 401, not refused during the handshake.
    const { cert, key, clientCa } = this.tls;
    return createHttpsServer(
      { cert, key, ca: clientCa, requestCert: true, rejectUnauthorized: false },
      handler,
    );
  }

  private authenticated(req: IncomingMessage): boolean {
    if (req.headers.authorization === `Bearer ${TOKEN}`) return true;
    const socket = req.socket as TLSSocket;
    return (
      this.tls !== undefined && socket.authorized && socket.getPeerCertificate().subject?.CN === CERT_USER
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = PATH.exec(url.pathname);
    if (!this.authenticated(req)) return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (url.pathname === '/version') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ major: '1', minor: '37', gitVersion: 'v1.37.0-fake' }));
    }
    if (this.faults.forbidden.has(match?.[2] ?? '')) {
      return status(res, 403, `${match?.[2]} is forbidden: User "tester" cannot list resource`, 'Forbidden');
    }
    if (!match) return status(res, 404, `the server could not find the requested resource ${url.pathname}`);
    const kind = match[2] as ResourceKind;
    const namespace = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const query = Object.fromEntries(url.searchParams);
    const watch = query['watch'] === 'true';
    this.requests.push({ kind, verb: watch ? 'watch' : 'list', namespace, query, at: Date.now() });
    if (kind === 'rollouts' && this.faults.rolloutsMissing) {
      return status(res, 404, 'the server could not find the requested resource');
    }
    if ((kind === 'httproutes' || kind === 'grpcroutes') && !this.faults.gatewayApiInstalled) {
      return status(res, 404, 'the server could not find the requested resource');
    }
    if (watch) this.watch(kind, namespace, query, res);
    else this.list(kind, namespace, query, res);
  }

  private list(
    kind: ResourceKind,
    namespace: string | undefined,
    query: Record<string, string>,
    res: ServerResponse,
  ) {
    const [rvText, offsetText] = (query['continue'] ?? '').split(':');
    const listRv = rvText ? Number(rvText) : this.rv;
    const offset = offsetText ? Number(offsetText) : 0;
    const sorted = this.sortedTable(kind);
    const all = namespace === undefined ? sorted : sorted.filter((obj) => namespaceOf(obj) === namespace);
    const limit = query['limit'] ? Number(query['limit']) : all.length;
    const items = all.slice(offset, offset + limit);
    const metadata: JsonObject = { resourceVersion: String(listRv) };
    if (offset + limit < all.length) metadata['continue'] = `${listRv}:${offset + limit}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata, items }));
  }

  private watch(
    kind: ResourceKind,
    namespace: string | undefined,
    query: Record<string, string>,
    res: ServerResponse,
  ) {
    const from = Number(query['resourceVersion'] ?? '0');
    if (from < this.compactedRv) {
      if (this.faults.goneAs === 'status')
        return status(res, 410, `too old resource version: ${from}`, 'Expired');
      res.writeHead(200, { 'content-type': 'application/json' });
      send(res, goneEvent());
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    if (this.faults.silentWatches) return; // never writes, never ends: only the client can give up
    if (this.faults.closeWatchesAtOnce) return void res.end();
    const watcher: Watcher = { kind, namespace, bookmarks: query['allowWatchBookmarks'] === 'true', res };
    for (const event of this.events) {
      if (event.rv > from && this.matches(watcher, event))
        send(res, { type: event.type, object: event.object });
    }
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
  }

  private record(event: LoggedEvent): void {
    this.events.push(event);
    for (const w of this.watchers) {
      if (this.matches(w, event)) send(w.res, { type: event.type, object: event.object });
    }
  }

  private matches(w: Watcher, event: LoggedEvent): boolean {
    return w.kind === event.kind && (w.namespace === undefined || namespaceOf(event.object) === w.namespace);
  }

  /**
   * The objects of a kind in key order, sorted once per change rather than on every list
   * page: the bench's audit lists 20,000 objects in pages of 10, and sorting the whole table
   * for each page cost the fake about 1.5 ms a page, CPU taken from the load generator or
   * the target beside it.
   */
  private sortedTable(kind: ResourceKind): JsonObject[] {
    let sorted = this.sorted.get(kind);
    if (!sorted) {
      sorted = [...this.table(kind).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, obj]) => obj);
      this.sorted.set(kind, sorted);
    }
    return sorted;
  }

  private table(kind: ResourceKind): Map<string, JsonObject> {
    let table = this.objects.get(kind);
    if (!table) this.objects.set(kind, (table = new Map()));
    return table;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}

/** The webhook's transport to a plain-HTTP fake apiserver on this port (also used by the memory benchmark). */
export function fakeApi(port: number, token = TOKEN): HttpKubeApi {
  const server = `http://127.0.0.1:${port}`;
  const authorization = () => `Bearer ${token}`;
  const connection = {
    server,
    tls: { rejectUnauthorized: true },
    authorization,
    source: 'test',
    credentials: 'token',
  };
  return new HttpKubeApi(new DirectEndpoint(connection));
}

/** A kubeconfig file's text for a plain-HTTP fake apiserver on this port. */
export function fakeKubeconfigYaml(port: number, token = TOKEN): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}` } }],
    users: [{ name: CERT_USER, user: { token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: CERT_USER } }],
    'current-context': 'fake',
  });
}

function metadataOf(obj: JsonObject): JsonObject {
  return obj['metadata'] as JsonObject;
}

function namespaceOf(obj: JsonObject): string | undefined {
  return metadataOf(obj)['namespace'] as string | undefined;
}

function keyOf(obj: JsonObject): string {
  const ns = namespaceOf(obj);
  const name = metadataOf(obj)['name'] as string;
  return ns === undefined ? name : `${ns}/${name}`;
}

function withResourceVersion(obj: JsonObject, rv: number): JsonObject {
  return { ...obj, metadata: { ...metadataOf(obj), resourceVersion: String(rv) } };
}

function send(res: ServerResponse, event: JsonObject): void {
  res.write(`${JSON.stringify(event)}\n`);
}

function goneEvent(): JsonObject {
  return {
    type: 'ERROR',
    object: {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
      message: 'too old resource version',
    },
  };
}

function status(res: ServerResponse, code: number, message: string, reason = 'NotFound'): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }));
}
