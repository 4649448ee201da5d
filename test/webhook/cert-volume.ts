/**
 * Certificates for rotation tests: a test CA that issues serving certificates for
 * localhost, and a certificate folder laid out like a Kubernetes Secret volume (files are
 * links into a timestamped folder, rotated by swapping the `..data` link).
 */
import { mkdir, mkdtemp, symlink, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface Pair {
  cert: string;
  key: string;
}

export async function testCa(name = 'test CA'): Promise<Pair> {
  const ca = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true },
    ],
  });
  return { cert: ca.cert, key: ca.private };
}

/** How a test serving certificate differs from a good one. */
export interface IssueOptions {
  /**
   * An RSA key of this many bits instead of EC (1024 is below OpenSSL's security level);
   * self-signed, as the EC test CA cannot sign it here.
   */
  rsaBits?: number;
  /** Validity ending at this date (a past one gives an expired certificate). */
  notAfter?: Date;
}

/** A serving certificate for localhost and 127.0.0.1 signed by `ca`. */
export async function issue(ca: Pair, options: IssueOptions = {}): Promise<Pair> {
  const leaf = await generate([{ name: 'commonName', value: 'rotated' }], {
    ...(options.rsaBits ? { keyType: 'rsa' as const, keySize: options.rsaBits } : { keyType: 'ec' as const }),
    ...(options.notAfter
      ? { notBeforeDate: new Date(options.notAfter.getTime() - 86_400_000), notAfterDate: options.notAfter }
      : {}),
    algorithm: 'sha256',
    ...(options.rsaBits ? {} : { ca }),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: leaf.cert, key: leaf.private };
}

/** A client certificate with subject CN `cn` signed by `ca`. */
export async function issueClient(ca: Pair, cn: string): Promise<Pair> {
  const leaf = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca,
    extensions: [{ name: 'extKeyUsage', clientAuth: true }],
  });
  return { cert: leaf.cert, key: leaf.private };
}

export interface SecretVolume {
  dir: string;
  /** Atomically replaces the pair, as the kubelet does. */
  swap(pair: Pair): Promise<void>;
}

/** A Secret-volume folder holding `first`, with `ca.crt` beside it. */
export async function secretVolume(first: Pair, ca: Pair): Promise<SecretVolume> {
  const dir = await mkdtemp(join(tmpdir(), 'rtw-secret-'));
  let generation = 0;
  const swap = async (pair: Pair) => {
    const data = join(dir, `..${++generation}`);
    await mkdir(data);
    await writeFile(join(data, 'tls.crt'), pair.cert);
    await writeFile(join(data, 'tls.key'), pair.key);
    await symlink(`..${generation}`, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  await swap(first);
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  await symlink('..data/tls.key', join(dir, 'tls.key'));
  await writeFile(join(dir, 'ca.crt'), ca.cert);
  return { dir, swap };
}
