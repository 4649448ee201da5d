/**
 * The `bare-fastify` target: the ceiling of this stack. The same fastify HTTPS settings as
 * the webhook (HTTP/1.1, TLS >= 1.2, keep-alive, body limit, buffer + JSON.parse), and a
 * handler that parses the review and answers a constant allow: no routing, no state.
 *
 * With ANSWER_FILE and WORK_US it is the benchmark's calibration instead (the `ceiling` figures
 * of bench/run.ts): it answers every review with the webhook's own answer text (the uid
 * swapped in) after WORK_US microseconds of busy work. That is the cheapest a webhook with
 * that answer and that much work per review could be on this machine: the work touches no
 * memory, and nothing else is added to bare-fastify's request path.
 *
 * Run by bench/run.ts with Node's own type stripping (no loader, so its RSS is fastify's):
 *   node bench/bare-fastify.ts CERT_DIR PORT [ANSWER_FILE WORK_US]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';

const [certDir = 'certs', port = '8443', answerFile, workUs = '0'] = process.argv.slice(2);

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

/** The answer text around its uid: `{..."uid":` + the request's uid + the rest. */
function answerTemplate(file: string): [string, string] {
  const text = readFileSync(file, 'utf8').trim();
  const uid = (JSON.parse(text) as { response: { uid: string } }).response.uid;
  const at = text.indexOf(`"uid":${JSON.stringify(uid)}`) + '"uid":'.length;
  return [text.slice(0, at), text.slice(at + JSON.stringify(uid).length)];
}

/** Busy for `us` microseconds: CPU work that allocates nothing and touches no memory. */
function work(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

const calibration = (file: string, us: number) => {
  const [before, after] = answerTemplate(file);
  return async (req: { body: unknown }, reply: { type(t: string): { send(s: string): unknown } }) => {
    if (us > 0) work(us);
    const uid = JSON.stringify((req.body as Review).request?.uid ?? '');
    return reply.type('application/json; charset=utf-8').send(before + uid + after);
  };
};
const answer = answerFile ? calibration(answerFile, Number(workUs)) : allow;
app.post('/mutate', answer);
app.post('/validate', answer);
app.get('/readyz', async () => ({ status: 'ready' }));

await app.listen({ port: Number(port), host: '127.0.0.1' });
// Exit on SIGTERM instead of dying of it, so that `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
