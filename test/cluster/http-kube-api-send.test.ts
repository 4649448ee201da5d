import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectEndpoint } from '../../src/cluster/endpoint.js';
import { HttpKubeApi } from '../../src/cluster/http-kube-api.js';
import { ApiError } from '../../src/cluster/kube-api.js';
import { runOnRequestPath } from '../../src/cluster/request-path.js';

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  body: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(status: number, answer: string): Promise<{ api: HttpKubeApi; seen: Seen[] }> {
  const seen: Seen[] = [];
  const http = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body });
      res.writeHead(status, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
  const { port } = http.address() as AddressInfo;
  const api = new HttpKubeApi(
    new DirectEndpoint({
      server: `http://127.0.0.1:${port}`,
      tls: { rejectUnauthorized: true },
      authorization: () => undefined,
      source: 'test',
      credentials: 'test',
    }),
  );
  cleanups.push(() => api.close());
  return { api, seen };
}

describe('HttpKubeApi.send', () => {
  it('sends the body as JSON (or the given content type) and returns the parsed answer', async () => {
    const { api, seen } = await server(201, '{"metadata":{"name":"e"}}');
    const signal = AbortSignal.timeout(5000);
    await expect(
      api.send('POST', '/apis/events.k8s.io/v1/namespaces/a/events', { a: 1 }, signal),
    ).resolves.toEqual({
      metadata: { name: 'e' },
    });
    await api.send('PATCH', '/x', { series: { count: 2 } }, signal, 'application/merge-patch+json');
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/apis/events.k8s.io/v1/namespaces/a/events',
        contentType: 'application/json',
        body: '{"a":1}',
      },
      {
        method: 'PATCH',
        url: '/x',
        contentType: 'application/merge-patch+json',
        body: '{"series":{"count":2}}',
      },
    ]);
    expect(api.writes).toBe(2);
    expect(api.calls.onRequestPath).toBe(0);
  });

  it("turns a non-2xx answer into an ApiError with the status and the apiserver's message", async () => {
    const { api } = await server(
      404,
      '{"kind":"Status","message":"the server could not find the requested resource"}',
    );
    const error = await api
      .send('DELETE', '/y', undefined, AbortSignal.timeout(5000))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).statusCode).toBe(404);
    expect((error as ApiError).message).toBe(
      'DELETE /y: HTTP 404: the server could not find the requested resource',
    );
  });

  it('counts a call made while answering a review', async () => {
    const { api } = await server(200, '{}');
    await runOnRequestPath(() => api.send('GET', '/z', undefined, AbortSignal.timeout(5000)));
    expect(api.calls.onRequestPath).toBe(1);
  });
});
