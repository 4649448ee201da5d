/**
 * The TLS half of a kubeconfig context: the cluster's CA (`certificate-authority` file or
 * `-data`), `insecure-skip-tls-verify` and `tls-server-name`, and the user's client
 * certificate and key. Everything is read and checked at load, so a missing file or a
 * key that does not match its certificate stops start-up with the entry named.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { TlsMaterial } from './endpoint.js';
import { describeEntry, KubeconfigError } from './kubeconfig-files.js';
import type { Entry } from './kubeconfig-files.js';

export function tlsOf(cluster: Entry, user: Entry | undefined): TlsMaterial {
  const insecure = cluster.fields['insecure-skip-tls-verify'] === true;
  const ca = pem(cluster, 'certificate-authority');
  if (insecure && ca) {
    throw new KubeconfigError(
      `${describeEntry(cluster)} sets both a certificate-authority and insecure-skip-tls-verify; kubectl refuses that too`,
    );
  }
  const cert = user && pem(user, 'client-certificate');
  const key = user && pem(user, 'client-key');
  if (user && Boolean(cert) !== Boolean(key)) {
    throw new KubeconfigError(
      `${describeEntry(user)} has a ${cert ? 'client-certificate without a client-key' : 'client-key without a client-certificate'}`,
    );
  }
  const servername = cluster.fields['tls-server-name'];
  const tls: TlsMaterial = { rejectUnauthorized: !insecure };
  if (ca) tls.ca = ca;
  if (cert && key) Object.assign(tls, { cert, key });
  if (typeof servername === 'string' && servername) tls.servername = servername;
  checkTls(cluster, { ca });
  if (user && cert) checkTls(user, { cert, key });
  return tls;
}

/** A PEM field given as a file (`name`) or inline (`name-data`, base64), or undefined. */
function pem(entry: Entry, name: string): Buffer | undefined {
  const file = entry.fields[name];
  const data = entry.fields[`${name}-data`];
  const where = describeEntry(entry);
  if (file !== undefined && data !== undefined) {
    throw new KubeconfigError(`${where} sets both ${name} and ${name}-data; give one`);
  }
  let bytes: Buffer;
  if (typeof file === 'string' && file) {
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new KubeconfigError(`${where}: ${name} ${file} cannot be read: ${(err as Error).message}`);
    }
  } else if (typeof data === 'string' && data) {
    bytes = Buffer.from(data, 'base64');
  } else {
    return undefined;
  }
  if (!bytes.toString('latin1').includes('-----BEGIN ')) {
    const what = typeof file === 'string' ? `${name} ${file}` : `${name}-data (base64 of PEM)`;
    throw new KubeconfigError(`${where}: ${what} is not PEM`);
  }
  return bytes;
}

/**
 * Builds a TLS context from the material now, so a CA that does not parse or a key that
 * does not match its certificate fails at start with the entry named, not at every request.
 */
function checkTls(entry: Entry, material: Pick<TlsMaterial, 'ca' | 'cert' | 'key'>): void {
  try {
    createSecureContext(material);
  } catch (err) {
    throw new KubeconfigError(
      `${describeEntry(entry)}: the TLS material is unusable: ${(err as Error).message}`,
    );
  }
}
