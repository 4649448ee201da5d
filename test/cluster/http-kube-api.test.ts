import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server as TcpServer, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectEndpoint } from '../../src/cluster/endpoint.js';
import type { TlsMaterial } from '../../src/cluster/endpoint.js';
import { HttpKubeApi } from '../../src/cluster/http-kube-api.js';
import { ApiError } from '../../src/cluster/kube-api.js';
import type { WatchEvent } from '../../src/cluster/kube-api.js';
import { CERT_USER, ListWatchApiServer } from './list-watch-apiserver.js';
import { wireService } from './wire.js';
import { issue, issueClient, testCa } from '../webhook/cert-volume.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function apiFor(
  server: string,
  tls: TlsMaterial = { rejectUnauthorized: true },
  token?: string,
): HttpKubeApi {
  const authorization = () => (token ? `Bearer ${token}` : undefined);
  const api = new HttpKubeApi(
    new DirectEndpoint({ server, tls, authorization, source: 'test', credentials: 'test' }),
  );
  cleanups.push(() => api.close());
  return api;
}

async function listening<T extends Server | TcpServer>(server: T): Promise<{ server: T; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { server, port: (server.address() as AddressInfo).port };
}

/** A plain HTTP server answering every request with `handler`. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const { port } = await listening(createServer(handler));
  return `http://127.0.0.1:${port}`;
}

async function fakeServer(seed = 0): Promise<ListWatchApiServer> {
  const fake = new ListWatchApiServer();
  await fake.start();
  cleanups.push(() => fake.stop());
  for (let i = 0; i < seed; i++) fake.upsert('services', wireService('shop', `svc-${i}`));
  return fake;
}

function collectWatch(api: HttpKubeApi, path: string, signal: AbortSignal) {
  const events: WatchEvent[] = [];
  let opened = false;
  const done = api.watch(path, {}, { onOpen: () => (opened = true), onEvent: (e) => events.push(e) }, signal);
  return { events, opened: () => opened, done };
}

const SERVICES = '/api/v1/services';

describe('HttpKubeApi: list', () => {
  it('lists a page with its continue token, and counts the call', async () => {
    const fake = await fakeServer(5);
    const api = fake.api();
    const page = await api.list(SERVICES, { limit: 2, continue: undefined }, AbortSignal.timeout(2000));
    expect(page.items).toHaveLength(2);
    expect(page.continueToken).toBe(`${fake.resourceVersion}:2`);
    const last = await api.list(
      SERVICES,
      { limit: 2, continue: `${fake.resourceVersion}:4` },
      AbortSignal.timeout(2000),
    );
    expect(last).toEqual({
      items: [expect.anything()],
      resourceVersion: String(fake.resourceVersion),
      parseMs: expect.any(Number),
    });
    // The parse's time, for the audit's CPU share: measured, so never negative.
    expect(last.parseMs).toBeGreaterThanOrEqual(0);
    expect(api.calls).toEqual({ list: 2, watch: 0, onRequestPath: 0 });
    expect(fake.requests[0]?.query).toEqual({ limit: '2' });
  });

  it('turns a Status response into an ApiError with its message and code', async () => {
    const fake = await fakeServer();
    fake.faults.forbidden.add('services');
    const err = await fake
      .api()
      .list(SERVICES, {}, AbortSignal.timeout(2000))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      statusCode: 403,
      message: 'GET /api/v1/services: HTTP 403: services is forbidden: User "tester" cannot list resource',
    });
    const unauthorized = fake.api('wrong').list(SERVICES, {}, AbortSignal.timeout(2000));
    await expect(unauthorized).rejects.toMatchObject({
      statusCode: 401,
      message: 'GET /api/v1/services: HTTP 401: Unauthorized',
    });
  });

  it('keeps a non-Status error body as text, cut to 4 KiB', async () => {
    const url = await httpServer((_req, res) => {
      res.writeHead(502);
      res.end(`bad gateway ${'x'.repeat(10_000)}`);
    });
    const err = (await apiFor(url)
      .list(SERVICES, {}, AbortSignal.timeout(2000))
      .catch((e: unknown) => e)) as ApiError;
    expect(err.statusCode).toBe(502);
    expect(err.message).toMatch(/^GET \/api\/v1\/services: HTTP 502: bad gateway x+$/);
    expect(err.message.length).toBeLessThan(4200);
  });

  it.each([
    ['not JSON', 'GET /api/v1/services: the response is not JSON'],
    [
      '{"items": []}',
      'GET /api/v1/services: the response is not a list with items and metadata.resourceVersion',
    ],
  ])('rejects a body that is %s', async (body, message) => {
    const url = await httpServer((_req, res) => res.end(body));
    await expect(apiFor(url).list(SERVICES, {}, AbortSignal.timeout(2000))).rejects.toThrow(
      new ApiError(message),
    );
  });

  it('asks for gzip on lists and reads a gzipped body', async () => {
    const encodings: (string | undefined)[] = [];
    const url = await httpServer((req, res) => {
      encodings.push(req.headers['accept-encoding']);
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ metadata: { resourceVersion: '7' }, items: [{ a: 1 }] })));
    });
    const page = await apiFor(url).list(SERVICES, {}, AbortSignal.timeout(2000));
    expect(page).toEqual({ items: [{ a: 1 }], resourceVersion: '7', parseMs: expect.any(Number) });
    expect(encodings).toEqual(['gzip']);
  });

  it('reports a refused connection as an ApiError with the cause, and no status', async () => {
    const { server, port } = await listening(createTcpServer());
    await new Promise((resolve) => server.close(resolve));
    const err = await apiFor(`http://127.0.0.1:${port}`)
      .list(SERVICES, {}, AbortSignal.timeout(2000))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      statusCode: undefined,
      message: `GET /api/v1/services: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('sends again, once, on a fresh connection when a kept-alive one was closed by the server', async () => {
    let requests = 0;
    const served = new WeakSet<Socket>();
    const url = await httpServer((req, res) => {
      requests++;
      // The second request on a connection finds it closed, as after the server's idle timeout.
      if (served.has(req.socket)) return void req.socket.destroy();
      served.add(req.socket);
      res.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
    });
    const api = apiFor(url);
    await api.list(SERVICES, {}, AbortSignal.timeout(2000));
    await api.list(SERVICES, {}, AbortSignal.timeout(2000));
    expect(requests).toBe(3);
  });
});

describe('HttpKubeApi: abort', () => {
  it('aborts while connecting: a server that accepts but never completes the TLS handshake', async () => {
    // It reads (and drops) the ClientHello, so it sees the client hang up.
    const { port } = await listening(createTcpServer((socket) => socket.resume()));
    const controller = new AbortController();
    const reason = new Error('stopped');
    const call = apiFor(`https://127.0.0.1:${port}`).list(SERVICES, {}, controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    await expect(call).rejects.toBe(reason);
  });

  it('aborts a request the server never answers, and a watch that is open', async () => {
    const fake = await fakeServer(1);
    const silent = await httpServer(() => undefined);
    const reason = new Error('stopped');
    const controller = new AbortController();
    const list = apiFor(silent).list(SERVICES, {}, controller.signal);
    const watch = collectWatch(fake.api(), SERVICES, controller.signal);
    await expect.poll(() => watch.events.length).toBe(1);
    controller.abort(reason);
    await expect(list).rejects.toBe(reason);
    await expect(watch.done).rejects.toBe(reason);
  });

  it('does not send at all once aborted', async () => {
    const fake = await fakeServer();
    const reason = new Error('already');
    await expect(fake.api().list(SERVICES, {}, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('HttpKubeApi: watch', () => {
  it('opens, delivers events as they come, and resolves when the server ends the stream', async () => {
    const fake = await fakeServer(2);
    const api = fake.api();
    const watch = collectWatch(api, SERVICES, AbortSignal.timeout(5000));
    await expect.poll(() => watch.events.length).toBe(2);
    expect(watch.opened()).toBe(true);
    fake.upsert('services', wireService('shop', 'later'));
    await expect.poll(() => watch.events.length).toBe(3);
    expect(watch.events[2]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'later' } } });
    fake.expireWatches();
    await watch.done;
    expect(watch.events.at(-1)).toMatchObject({ type: 'ERROR', object: { code: 410 } });
    expect(api.calls).toEqual({ list: 0, watch: 1, onRequestPath: 0 });
    expect(fake.requests[0]?.query).toEqual({ watch: 'true' });
  });

  it('joins lines split across chunks, multi-byte characters included, and skips blank lines', async () => {
    const event = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'ünïcode-✓' } } });
    const bytes = Buffer.from(`${event}\n\n${event}`);
    const url = await httpServer((_req, res) => {
      res.writeHead(200);
      // One byte at a time, so lines and characters are cut everywhere.
      let i = 0;
      const next = () =>
        i < bytes.length ? res.write(bytes.subarray(i, ++i), () => setImmediate(next)) : res.end();
      next();
    });
    const watch = collectWatch(apiFor(url), SERVICES, AbortSignal.timeout(5000));
    await watch.done;
    expect(watch.events).toEqual([JSON.parse(event), JSON.parse(event)]);
  });

  it('ends with an ApiError on a line that is not JSON or has no type', async () => {
    const fake = await fakeServer();
    const garbage = collectWatch(fake.api(), SERVICES, AbortSignal.timeout(5000));
    await expect.poll(() => fake.openWatches()).toBe(1);
    fake.sendGarbage();
    await expect(garbage.done).rejects.toThrow(
      new ApiError('watch /api/v1/services: an event is not valid JSON'),
    );
    const url = await httpServer((_req, res) => res.end('{"object": {}}\n'));
    await expect(collectWatch(apiFor(url), SERVICES, AbortSignal.timeout(5000)).done).rejects.toThrow(
      new ApiError('watch /api/v1/services: an event has no type'),
    );
  });

  it('rejects with an ApiError when the connection is cut mid-stream', async () => {
    const fake = await fakeServer(1);
    const watch = collectWatch(fake.api(), SERVICES, AbortSignal.timeout(5000));
    await expect.poll(() => watch.events.length).toBe(1);
    fake.dropWatches();
    const err = (await watch.done.catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toMatch(/^watch \/api\/v1\/services: the stream broke: /);
  });

  it('does not send a watch again when its kept-alive connection is reset mid-stream', async () => {
    let requests = 0;
    const url = await httpServer((req, res) => {
      requests++;
      if (!req.url?.includes('watch=true'))
        return res.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
      res.writeHead(200);
      res.write('{"type":"ADDED","object":{}}\n', () => setTimeout(() => req.socket.resetAndDestroy(), 20));
    });
    const api = apiFor(url);
    await api.list(SERVICES, {}, AbortSignal.timeout(2000));
    const watch = collectWatch(api, SERVICES, AbortSignal.timeout(5000));
    await expect(watch.done).rejects.toThrow(/^watch \/api\/v1\/services: the stream broke: /);
    expect(watch.events).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(requests).toBe(2);
  });

  it('passes on what a handler throws, untouched', async () => {
    const fake = await fakeServer(1);
    const thrown = new Error('store refused');
    const watch = fake.api().watch(
      SERVICES,
      {},
      {
        onOpen: () => undefined,
        onEvent: () => {
          throw thrown;
        },
      },
      AbortSignal.timeout(5000),
    );
    await expect(watch).rejects.toBe(thrown);
  });

  it('turns an error status into an ApiError before opening', async () => {
    const fake = await fakeServer(1);
    fake.compact();
    let opened = false;
    const watch = fake
      .api()
      .watch(
        SERVICES,
        { resourceVersion: '1' },
        { onOpen: () => (opened = true), onEvent: () => undefined },
        AbortSignal.timeout(5000),
      );
    await expect(watch).rejects.toMatchObject({
      statusCode: 410,
      message: 'GET /api/v1/services: HTTP 410: too old resource version: 1',
    });
    expect(opened).toBe(false);
  });
});

describe('HttpKubeApi: TLS', () => {
  async function tlsServer() {
    const ca = await testCa();
    const serving = await issue(ca);
    const fake = new ListWatchApiServer({ ...serving, clientCa: ca.cert });
    await fake.start();
    cleanups.push(() => fake.stop());
    fake.upsert('services', wireService('shop', 'svc'));
    return { fake, ca };
  }

  it('authenticates with a client certificate the server verifies, over a CA it trusts', async () => {
    const { fake, ca } = await tlsServer();
    const client = await issueClient(ca, CERT_USER);
    const tls = {
      ca: Buffer.from(ca.cert),
      cert: Buffer.from(client.cert),
      key: Buffer.from(client.key),
      rejectUnauthorized: true,
    };
    const page = await apiFor(fake.url, tls).list(SERVICES, {}, AbortSignal.timeout(5000));
    expect(page.items).toHaveLength(1);
    const version = await apiFor(fake.url, tls).version(AbortSignal.timeout(5000));
    expect(version).toMatchObject({ gitVersion: 'v1.37.0-fake' });
  });

  it('is refused without a certificate of the trusted CA, and refuses a server it does not trust', async () => {
    const { fake, ca } = await tlsServer();
    const stranger = await issueClient(await testCa('other CA'), CERT_USER);
    const untrusted = {
      ca: Buffer.from(ca.cert),
      cert: Buffer.from(stranger.cert),
      key: Buffer.from(stranger.key),
      rejectUnauthorized: true,
    };
    await expect(
      apiFor(fake.url, untrusted).list(SERVICES, {}, AbortSignal.timeout(5000)),
    ).rejects.toMatchObject({
      statusCode: 401,
    });
    const err = (await apiFor(fake.url)
      .list(SERVICES, {}, AbortSignal.timeout(5000))
      .catch((e: unknown) => e)) as ApiError;
    expect(err.statusCode).toBeUndefined();
    expect(err.message).toMatch(/^GET \/api\/v1\/services: (self-signed certificate|unable to verify)/);
    // insecure-skip-tls-verify: the server is not checked; a token is still needed.
    const insecure = apiFor(fake.url, { rejectUnauthorized: false }, 'fake-token');
    expect((await insecure.list(SERVICES, {}, AbortSignal.timeout(5000))).items).toHaveLength(1);
  });
});
