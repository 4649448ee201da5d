/**
 * Finds the cluster to watch and opens the transport to it, in controller-runtime's order:
 *
 * 1. `--kubeconfig` / KUBECONFIG: one file, or a ':'-separated list merged as kubectl does;
 * 2. the in-cluster config, in a pod (KUBERNETES_SERVICE_HOST/PORT): a pod means its own
 *    cluster, even when the image happens to carry a ~/.kube/config;
 * 3. ~/.kube/config, when it exists.
 *
 * In-cluster config and kubeconfigs with static credentials are read by our own loaders;
 * a kubeconfig that needs more (an exec plugin, a proxy, ...) goes through client-node.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DirectEndpoint } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { HttpKubeApi } from './http-kube-api.js';
import { inClusterConnection, inClusterEnvironment, SERVICE_ACCOUNT_DIR } from './in-cluster.js';
import { KubeconfigError } from './kubeconfig-files.js';
import { loadKubeconfig } from './kubeconfig.js';

export interface ConnectOptions {
  /** `--kubeconfig` or KUBECONFIG: a file or a list separated by ':' (';' on Windows). */
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
  serviceAccountDir?: string;
}

/** How the apiserver is reached, for the start-up log line. */
export interface ConnectionInfo {
  server: string;
  source: string;
  /** `built-in`, or `client-node` with the reason. */
  loader: string;
  credentials?: string;
}

export interface ApiConnection {
  api: HttpKubeApi;
  info: ConnectionInfo;
}

export async function connectToCluster(options: ConnectOptions = {}): Promise<ApiConnection> {
  const env = options.env ?? process.env;
  const files = kubeconfigFiles(options, env);
  if (files.length > 0) return fromKubeconfig(files);
  const connection = inClusterConnection(env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  return direct(new DirectEndpoint(connection), connection.source, connection.credentials);
}

async function fromKubeconfig(files: string[]): Promise<ApiConnection> {
  const choice = loadKubeconfig(files);
  if (choice.kind === 'direct') {
    const { connection } = choice;
    return direct(new DirectEndpoint(connection), connection.source, connection.credentials);
  }
  const { clientNodeEndpoint } = await import('./client-node-endpoint.js');
  const endpoint = await clientNodeEndpoint(choice.config);
  return {
    api: new HttpKubeApi(endpoint),
    info: { server: endpoint.server, source: choice.source, loader: `client-node (${choice.reason})` },
  };
}

function direct(endpoint: Endpoint, source: string, credentials: string): ApiConnection {
  return {
    api: new HttpKubeApi(endpoint),
    info: { server: endpoint.server, source, loader: 'built-in', credentials },
  };
}

/** The kubeconfig files to read, or none for the in-cluster config. */
function kubeconfigFiles(options: ConnectOptions, env: NodeJS.ProcessEnv): string[] {
  if (options.kubeconfig) return options.kubeconfig.split(delimiter).filter(Boolean);
  if (inClusterEnvironment(env)) return [];
  const fallback = join(options.home ?? homedir(), '.kube', 'config');
  if (existsSync(fallback)) return [fallback];
  throw new KubeconfigError(
    'no cluster to watch: --kubeconfig and KUBECONFIG are unset, this is not a pod ' +
      '(KUBERNETES_SERVICE_HOST is unset), and ~/.kube/config does not exist',
  );
}
