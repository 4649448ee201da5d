import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { ClientCert } from './certs.js';

const base64 = (path: string) => readFileSync(path).toString('base64');

/** Writes a kubeconfig for one client identity, with every credential embedded (no file references). */
export function writeKubeconfig(path: string, server: string, caCert: string, client: ClientCert): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server, 'certificate-authority-data': base64(caCert) } }],
    users: [
      {
        name: client.user,
        user: { 'client-certificate-data': base64(client.cert), 'client-key-data': base64(client.key) },
      },
    ],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: client.user, namespace: 'default' } }],
    'current-context': 'e2e',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}
