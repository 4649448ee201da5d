// The chart's `helm test` check, run by templates/tests/webhook-test.yaml with `node` from the
// webhook's own image. It reaches the webhook the way the apiserver does: over HTTPS at the
// address the webhook configurations name, trusting only the CA bundle they carry.
//
//   WEBHOOK_URL       base URL the hooks call: https://<service>.<namespace>.svc:<port>, or webhooks.url
//   CA_FILE           PEM of that CA bundle (certManager mode: ca.crt of the serving Secret), or
//   CA_BUNDLE         the same as base64 PEM (generate and secret modes: the caBundle the chart renders)
//   ENFORCEMENT       deny or warn, as the server was started
//   REVIEW_NAMESPACE  namespace the sample Ingress is said to be in
//   CLIENT_AUTH       "true" when the server requires the apiserver's client certificate
//                     (clientAuth.enabled): this pod has none, so the review must be refused with 401
//
// Exits 0 when /readyz answers 200 and the sample review is judged the way ENFORCEMENT says, 1
// otherwise with the reason on stderr (kubectl logs shows it).
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

const TIMEOUT_MS = 10_000;
const MAX_BODY = 1 << 20;
const SERVICE = 'helm-test-stable';
const ACTION_KEY = `alb.ingress.kubernetes.io/actions.${SERVICE}`;

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function trustedCa() {
  if (process.env.CA_FILE) return readFileSync(process.env.CA_FILE, 'utf8');
  return Buffer.from(env('CA_BUNDLE'), 'base64').toString('utf8');
}

/** One HTTPS exchange; the body is read up to MAX_BODY, which no answer of the webhook nears. */
function exchange(url, ca, body) {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {};
    const req = request(url, { method: body ? 'POST' : 'GET', ca, headers, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (text.length < MAX_BODY) text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A CREATE of an ALB Ingress whose action annotation is cut off mid-JSON: the AWS Load Balancer
 * Controller could not parse it, so the webhook must deny it (or warn, in warn mode) whatever the
 * cluster holds. Nothing is stored: the review goes to the webhook, not to the apiserver.
 */
function sampleReview(uid, namespace) {
  const ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'helm-test', namespace, annotations: { [ACTION_KEY]: '{"Type":"forward",' } },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: SERVICE, port: { name: 'use-annotation' } } },
              },
            ],
          },
        },
      ],
    },
  };
  const gvk = { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' };
  const gvr = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name: 'helm-test',
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'helm-test', groups: ['system:authenticated'] },
      object: ingress,
      oldObject: null,
      dryRun: true,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** What is wrong with the answer to the sample review, or undefined when it is as expected. */
function judge(answer, uid, enforcement) {
  const response = answer?.response;
  if (answer?.apiVersion !== 'admission.k8s.io/v1' || answer?.kind !== 'AdmissionReview' || !response) {
    return 'the answer is not an admission.k8s.io/v1 AdmissionReview with a response';
  }
  if (response.uid !== uid) return `the answer's uid ${JSON.stringify(response.uid)} is not the request's ${uid}`;
  const mentionsKey = (text) => typeof text === 'string' && text.includes(ACTION_KEY);
  if (enforcement === 'deny') {
    if (response.allowed !== false) return 'the sample Ingress was admitted; enforcement deny must refuse it';
    if (!mentionsKey(response.status?.message)) return `the denial does not name ${ACTION_KEY}: ${response.status?.message}`;
    return undefined;
  }
  if (response.allowed !== true) return `the sample Ingress was refused; enforcement ${enforcement} admits it`;
  // Warnings lead with the rule id and "(would deny)" so the apiserver's 120-character cut keeps
  // them; the key itself may come later in the text.
  const wouldDeny = (text) => typeof text === 'string' && (text.includes('(would deny)') || mentionsKey(text));
  if (!(response.warnings ?? []).some(wouldDeny)) return `no warning says the sample would be denied`;
  return undefined;
}

async function main() {
  const base = env('WEBHOOK_URL').replace(/\/+$/, '');
  const enforcement = env('ENFORCEMENT');
  const ca = trustedCa();

  const ready = await exchange(`${base}/readyz`, ca);
  if (ready.status !== 200) throw new Error(`GET ${base}/readyz answered ${ready.status}: ${ready.text.slice(0, 500)}`);
  console.log(`GET ${base}/readyz: 200`);

  const uid = randomUUID();
  const review = JSON.stringify(sampleReview(uid, env('REVIEW_NAMESPACE')));
  const answered = await exchange(`${base}/validate`, ca, review);
  if (process.env.CLIENT_AUTH === 'true') {
    if (answered.status !== 401) {
      throw new Error(`POST ${base}/validate without a client certificate answered ${answered.status}, not 401`);
    }
    console.log(`POST ${base}/validate without a client certificate: 401, as clientAuth requires`);
    return;
  }
  if (answered.status !== 200) {
    throw new Error(`POST ${base}/validate answered ${answered.status}: ${answered.text.slice(0, 500)}`);
  }
  let answer;
  try {
    answer = JSON.parse(answered.text);
  } catch {
    throw new Error(`POST ${base}/validate answered with something that is not JSON: ${answered.text.slice(0, 500)}`);
  }
  const wrong = judge(answer, uid, enforcement);
  if (wrong) throw new Error(`POST ${base}/validate: ${wrong}`);
  const verdict = answer.response.allowed ? `admitted with a warning` : `denied: ${answer.response.status.message}`;
  console.log(`POST ${base}/validate (an Ingress with a cut-off ALB action): ${verdict}`);
}

main().then(
  () => console.log('webhook test passed'),
  (error) => {
    console.error(`webhook test failed: ${error.message}`);
    process.exitCode = 1;
  },
);
