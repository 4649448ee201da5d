import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './processes.js';

/** Paths of the throw-away PKI of one e2e run. Every file is PEM. */
export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly apiserverCert: string;
  readonly apiserverKey: string;
  /** Directory holding the webhook's serving pair as tls.crt and tls.key (SAN IP:127.0.0.1, DNS:localhost). */
  readonly webhookCertDir: string;
  /** Key pair the apiserver signs and verifies service-account tokens with. */
  readonly serviceAccountKey: string;
  readonly clients: Readonly<Record<ClientName, ClientCert>>;
}

export interface ClientCert {
  readonly cert: string;
  readonly key: string;
  readonly user: string;
}

/**
 * Each long-running client gets its own identity so the audit log says who wrote what:
 * the test itself, the Rollouts controller and the webhook's watches. All are in
 * system:masters because RBAC is not what these tests are about.
 */
export const CLIENT_USERS = {
  admin: 'e2e-admin',
  rolloutsController: 'e2e-argo-rollouts-controller',
  webhook: 'e2e-rollouts-traffic-webhook',
} as const;
export type ClientName = keyof typeof CLIENT_USERS;

const LOOPBACK_SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

/** Creates a CA and every certificate the control plane, its clients and the webhook need. */
export async function createPki(dir: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const caCert = file('ca.crt');
  const caKey = file('ca.key');
  await openssl([
    ...requestWithNewKey(caKey, caCert, '/CN=e2e-ca', [
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]),
    '-x509',
    '-days',
    '2',
  ]);
  const sign = (name: string, subject: string, extensions: string[]) =>
    signLeaf({ dir, name, subject, extensions, caCert, caKey });

  await sign('apiserver', '/CN=kube-apiserver', [LOOPBACK_SAN, 'extendedKeyUsage=serverAuth']);
  // Named the way the webhook's --cert-dir (and a Kubernetes TLS Secret) expects.
  const webhookCertDir = file('webhook');
  mkdirSync(webhookCertDir);
  await sign('webhook/tls', '/CN=rollouts-traffic-webhook', [LOOPBACK_SAN, 'extendedKeyUsage=serverAuth']);
  const clients = {} as Record<ClientName, ClientCert>;
  for (const [name, user] of Object.entries(CLIENT_USERS) as [ClientName, string][]) {
    await sign(`client-${name}`, `/O=system:masters/CN=${user}`, ['extendedKeyUsage=clientAuth']);
    clients[name] = { cert: file(`client-${name}.crt`), key: file(`client-${name}.key`), user };
  }
  const serviceAccountKey = file('service-account.key');
  await openssl([
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    serviceAccountKey,
  ]);
  return {
    dir,
    caCert,
    caKey,
    apiserverCert: file('apiserver.crt'),
    apiserverKey: file('apiserver.key'),
    webhookCertDir,
    serviceAccountKey,
    clients,
  };
}

async function signLeaf(leaf: {
  dir: string;
  name: string;
  subject: string;
  extensions: string[];
  caCert: string;
  caKey: string;
}): Promise<void> {
  const base = join(leaf.dir, leaf.name);
  await openssl(requestWithNewKey(`${base}.key`, `${base}.csr`, leaf.subject, leaf.extensions));
  // -copy_extensions carries the SAN and EKU from the request into the certificate.
  await openssl([
    'x509',
    '-req',
    '-in',
    `${base}.csr`,
    '-CA',
    leaf.caCert,
    '-CAkey',
    leaf.caKey,
    '-CAcreateserial',
    '-out',
    `${base}.crt`,
    '-days',
    '2',
    '-copy_extensions',
    'copy',
  ]);
}

/** `openssl req` arguments for a fresh P-256 key and a request for it (add -x509 to self-sign). */
function requestWithNewKey(
  keyFile: string,
  outFile: string,
  subject: string,
  extensions: readonly string[],
): string[] {
  return [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    outFile,
    '-subj',
    subject,
    ...extensions.flatMap((extension) => ['-addext', extension]),
  ];
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args);
}
