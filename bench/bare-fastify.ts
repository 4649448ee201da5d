/**
 * The `bare-fastify` target: the ceiling of this stack. The same fastify HTTPS settings as
 * the webhook (HTTP/1.1, TLS >= 1.2, keep-alive, body limit, buffer + JSON.parse), and a
 * handler that parses the review and answers a constant allow: no routing, no state.
 *
 * Run by bench/run.ts with Node's own type stripping (no loader, so its RSS is fastify's):
 *   node bench/bare-fastify.ts CERT_DIR PORT
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';

const [certDir = 'certs', port = '8443'] = process.argv.slice(2);

const app = Fastify({
  logger: false,
  bodyLimit: 7 * 1024 * 1024,
  keepAliveTimeout: 75_000,
  requestTimeout: 30_000,
  http2: false,
  https: {
    cert: readFileSync(join(certDir, 'tls.crt'), 'utf8'),
    key: readFileSync(join(certDir, 'tls.key'), 'utf8'),
    minVersion: 'TLSv1.2',
    honorCipherOrder: true,
  },
});
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
  try {
    done(null, JSON.parse((body as Buffer).toString('utf8')));
  } catch (error) {
    done(error as Error);
  }
});

interface Review {
  request?: { uid?: string };
}

const allow = async (req: { body: unknown }) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: { uid: (req.body as Review).request?.uid ?? '', allowed: true },
});
app.post('/mutate', allow);
app.post('/validate', allow);
app.get('/readyz', async () => ({ status: 'ready' }));

await app.listen({ port: Number(port), host: '127.0.0.1' });
// Exit on SIGTERM instead of dying of it, so that `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
