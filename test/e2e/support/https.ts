import { request } from 'node:https';
import { readFileSync } from 'node:fs';

export interface TlsFiles {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

/** One HTTPS request over loopback with explicit trust (no system CAs, no proxy). */
export function httpsRequest(
  url: string,
  tls: TlsFiles,
  {
    method = 'GET',
    body,
    headers = {},
    timeoutMs = 5_000,
  }: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers,
        ca: readFileSync(tls.ca),
        cert: tls.cert ? readFileSync(tls.cert) : undefined,
        key: tls.key ? readFileSync(tls.key) : undefined,
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Plain-HTTP GET on loopback (etcd and the Rollouts controller serve health without TLS). */
export async function httpGet(url: string, timeoutMs = 2_000): Promise<HttpResponse> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}
