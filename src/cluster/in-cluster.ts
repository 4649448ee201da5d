/**
 * In-cluster config, as client-go's `rest.InClusterConfig`: the apiserver from
 * KUBERNETES_SERVICE_HOST/PORT, the CA and the ServiceAccount token from the mounted
 * service account directory. The token is projected and rotated by the kubelet, so it is
 * re-read as it changes (`RefreshingFile`), never kept for the life of the process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from './endpoint.js';
import { KubeconfigError } from './kubeconfig-files.js';
import { RefreshingFile } from './refreshing-file.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** True in a pod: the kubelet sets both variables for every container. */
export function inClusterEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env['KUBERNETES_SERVICE_HOST'] && env['KUBERNETES_SERVICE_PORT']);
}

export function inClusterConnection(
  env: NodeJS.ProcessEnv = process.env,
  dir = SERVICE_ACCOUNT_DIR,
  now?: () => number,
): Connection {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    throw new KubeconfigError('in-cluster config needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT');
  }
  const tokenPath = join(dir, 'token');
  let token: RefreshingFile;
  try {
    token = new RefreshingFile(tokenPath, now);
  } catch (err) {
    throw new KubeconfigError(
      `in-cluster config: the ServiceAccount token ${tokenPath} cannot be read (is automountServiceAccountToken off?): ${(err as Error).message}`,
    );
  }
  const caPath = join(dir, 'ca.crt');
  let ca: Buffer;
  try {
    ca = readFileSync(caPath);
  } catch (err) {
    throw new KubeconfigError(
      `in-cluster config: the cluster CA ${caPath} cannot be read: ${(err as Error).message}`,
    );
  }
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tls: { ca, rejectUnauthorized: true },
    authorization: () => `Bearer ${token.read()}`,
    source: 'in-cluster config',
    credentials: 'ServiceAccount token',
  };
}
