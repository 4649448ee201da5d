import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One AdmissionReview request as the apiserver sent it, with the path it was sent to. */
export interface RecordedReview {
  /** URL path without the query: the apiserver appends `?timeout=<n>s` to every call. */
  readonly path: string;
  readonly query: string;
  readonly review: {
    apiVersion: string;
    kind: string;
    request: {
      uid: string;
      operation: string;
      namespace?: string;
      name?: string;
      dryRun?: boolean;
      userInfo: { username: string };
      resource: { group: string; resource: string };
      options?: { kind?: string };
      object?: { metadata?: { annotations?: Record<string, string> } };
    };
  };
}

/**
 * A harness instrument, not a webhook implementation: an HTTPS endpoint that allows
 * everything and records what the apiserver sends. It proves the registration wiring
 * (caBundle trust, url, rules, namespaceSelector) independently of the product, and
 * captures real AdmissionReview requests as reference data.
 */
export class RecordingWebhook {
  readonly reviews: RecordedReview[] = [];
  private server: Server | undefined;

  async listen(certDir: string): Promise<string> {
    this.server = createServer(
      { cert: readFileSync(join(certDir, 'tls.crt')), key: readFileSync(join(certDir, 'tls.key')) },
      (req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          const review = JSON.parse(body) as RecordedReview['review'];
          const url = new URL(req.url ?? '/', 'https://127.0.0.1');
          this.reviews.push({ path: url.pathname, query: url.search, review });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              apiVersion: 'admission.k8s.io/v1',
              kind: 'AdmissionReview',
              response: { uid: review.request.uid, allowed: true },
            }),
          );
        });
      },
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('recording webhook has no port');
    return `https://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
