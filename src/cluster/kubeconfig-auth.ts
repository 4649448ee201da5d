/**
 * The credentials half of a kubeconfig user: a bearer `token`, a `tokenFile` read again as
 * it changes, or `username`/`password` (basic auth), turned into the Authorization header
 * of each request. Client certificates are TLS material (kubeconfig-tls.ts).
 */
import { describeEntry, KubeconfigError } from './kubeconfig-files.js';
import type { Entry } from './kubeconfig-files.js';
import { RefreshingFile } from './refreshing-file.js';

export interface Authorization {
  /** How the user authenticates, for the log line; undefined for no header. */
  kind?: string;
  header(): string | undefined;
}

export function authorizationOf(user: Entry | undefined): Authorization {
  const fields = user?.fields ?? {};
  const token = fields['token'];
  const tokenFile = fields['tokenFile'];
  const username = fields['username'];
  const hasToken =
    (typeof token === 'string' && token !== '') || (typeof tokenFile === 'string' && tokenFile !== '');
  if (hasToken && typeof username === 'string' && username) {
    throw new KubeconfigError(
      `${describeEntry(user as Entry)} sets both a token and a username/password; give one, as kubectl requires`,
    );
  }
  if (typeof tokenFile === 'string' && tokenFile) return tokenFileAuthorization(user as Entry, tokenFile);
  if (typeof token === 'string' && token) return { kind: 'token', header: () => `Bearer ${token}` };
  if (typeof username === 'string' && username) {
    const password = typeof fields['password'] === 'string' ? fields['password'] : '';
    const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    return { kind: 'basic auth', header: () => basic };
  }
  return { header: () => undefined };
}

/** A tokenFile is read again as it changes (client-go does the same); it wins over `token`. */
function tokenFileAuthorization(user: Entry, path: string): Authorization {
  let file: RefreshingFile;
  try {
    file = new RefreshingFile(path);
  } catch (err) {
    throw new KubeconfigError(
      `${describeEntry(user)}: tokenFile ${path} cannot be read: ${(err as Error).message}`,
    );
  }
  return { kind: 'token file', header: () => `Bearer ${file.read()}` };
}
