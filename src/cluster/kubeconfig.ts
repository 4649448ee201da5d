/**
 * The built-in kubeconfig loader: the current context's cluster and user, with static
 * credentials (client certificate, token, tokenFile, basic auth) and TLS settings
 * (certificate-authority, insecure-skip-tls-verify, tls-server-name), files or inline
 * `-data`. Anything else the user or cluster asks for (exec or auth-provider plugins,
 * impersonation, proxy-url, a field we do not know) is not guessed at: the result is a
 * fallback that hands the same context to @kubernetes/client-node.
 */
import type { JsonObject } from '../routing/model.js';
import { withoutTrailingSlashes, type Connection } from './endpoint.js';
import { authorizationOf } from './kubeconfig-auth.js';
import { describeEntry, KubeconfigError, readKubeconfigs } from './kubeconfig-files.js';
import type { Entry, MergedKubeconfig } from './kubeconfig-files.js';
import { tlsOf } from './kubeconfig-tls.js';

export type KubeconfigChoice =
  | { kind: 'direct'; connection: Connection }
  /** `config` is a one-context kubeconfig with absolute paths, for client-node's KubeConfig. */
  | { kind: 'fallback'; reason: string; source: string; config: JsonObject };

/** Fields the built-in loader reads (or may safely ignore); any other field means the fallback. */
const CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  // Compression is asked for on lists only; ignoring the switch changes nothing else.
  'disable-compression',
  'extensions',
]);
const USER_FIELDS = new Set([
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'token',
  'tokenFile',
  'username',
  'password',
  'extensions',
]);

/** Loads `paths` (one file, or a KUBECONFIG list) and resolves its current context. */
export function loadKubeconfig(paths: string[]): KubeconfigChoice {
  const merged = readKubeconfigs(paths);
  const { context, cluster, user } = currentEntries(merged);
  const source = `kubeconfig ${merged.files.join(':')}, context ${context.name}`;
  const reason = fallbackReason(cluster, user);
  if (reason) {
    serverOf(cluster);
    return { kind: 'fallback', reason, source, config: singleContext(context, cluster, user) };
  }
  return { kind: 'direct', connection: connectionOf(cluster, user, source) };
}

function currentEntries(merged: MergedKubeconfig): { context: Entry; cluster: Entry; user?: Entry } {
  const files = merged.files.join(', ');
  const name = merged.currentContext;
  if (!name) {
    const known = [...merged.contexts.keys()];
    throw new KubeconfigError(
      `no current context: ${files} ${merged.files.length > 1 ? 'do' : 'does'} not set current-context` +
        (known.length > 0 ? ` (contexts defined: ${known.join(', ')})` : ''),
    );
  }
  const context = merged.contexts.get(name);
  if (!context) throw new KubeconfigError(`current-context "${name}" is not defined in ${files}`);
  const clusterName = context.fields['cluster'];
  if (typeof clusterName !== 'string' || !clusterName) {
    throw new KubeconfigError(`${describeEntry(context)} names no cluster`);
  }
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) {
    throw new KubeconfigError(
      `context "${name}" names cluster "${clusterName}", which ${files} do not define`,
    );
  }
  const userName = context.fields['user'];
  if (typeof userName !== 'string' || !userName) return { context, cluster };
  const user = merged.users.get(userName);
  if (!user)
    throw new KubeconfigError(`context "${name}" names user "${userName}", which ${files} do not define`);
  return { context, cluster, user };
}

/** Why this context needs client-node, or undefined when the built-in loader covers it. */
function fallbackReason(cluster: Entry, user: Entry | undefined): string | undefined {
  if (cluster.fields['proxy-url'] !== undefined) return `cluster "${cluster.name}" sets proxy-url`;
  const fields = user?.fields ?? {};
  if (fields['exec'] !== undefined) return `user "${user?.name}" uses an exec credential plugin`;
  if (fields['auth-provider'] !== undefined) return `user "${user?.name}" uses an auth-provider`;
  const unknownCluster = Object.keys(cluster.fields).find((k) => !CLUSTER_FIELDS.has(k));
  if (unknownCluster) return `cluster "${cluster.name}" sets ${unknownCluster}`;
  const unknownUser = Object.keys(fields).find((k) => !USER_FIELDS.has(k));
  if (unknownUser) return `user "${user?.name}" sets ${unknownUser}`;
  return undefined;
}

/** The chosen context alone, as client-node reads it (it knows `token-file`, not `tokenFile`). */
function singleContext(context: Entry, cluster: Entry, user: Entry | undefined): JsonObject {
  const userFields = { ...user?.fields };
  if (typeof userFields['tokenFile'] === 'string') userFields['token-file'] = userFields['tokenFile'];
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': context.name,
    contexts: [
      { name: context.name, context: { cluster: cluster.name, ...(user ? { user: user.name } : {}) } },
    ],
    clusters: [{ name: cluster.name, cluster: cluster.fields }],
    users: user ? [{ name: user.name, user: userFields }] : [],
  };
}

function connectionOf(cluster: Entry, user: Entry | undefined, source: string): Connection {
  const server = serverOf(cluster);
  const tls = tlsOf(cluster, user);
  const auth = authorizationOf(user);
  const credentials = [tls.cert ? 'client certificate' : undefined, auth.kind].filter(Boolean);
  return {
    server,
    tls,
    authorization: auth.header,
    source,
    credentials: credentials.length > 0 ? credentials.join(' + ') : 'none',
  };
}

function serverOf(cluster: Entry): string {
  const server = cluster.fields['server'];
  if (typeof server !== 'string' || !server) {
    throw new KubeconfigError(`${describeEntry(cluster)} has no server`);
  }
  // kubectl reads a bare host[:port] as https.
  const url = server.includes('://') ? server : `https://${server}`;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new KubeconfigError(`${describeEntry(cluster)}: server ${server} is not a URL`);
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new KubeconfigError(`${describeEntry(cluster)}: server ${server} is not http(s)`);
  }
  return withoutTrailingSlashes(url);
}
