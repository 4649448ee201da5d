/**
 * Serving-certificate lifecycle: load from files, watch for rotation, and hand a fresh
 * SecureContext to the HTTPS server without a restart.
 *
 * Kubernetes mounts a Secret volume as symlinks (`tls.crt -> ..data/tls.crt`) and rotates it
 * by swapping the `..data` link, which fires events on the directory, not on the files. So
 * the folder is watched, and a poll runs as well because inotify events can be missed
 * (network filesystems, the link swap racing the watch). A rotation is applied only when the
 * new pair parses, the key matches the certificate, the certificate has not expired and
 * OpenSSL accepts the pair (key size, signature); any other pair (half-written, mismatched,
 * expired, a 1024-bit RSA key) is counted and logged once, the previous certificate keeps
 * serving, and the next good pair is applied.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CertificatePaths {
  certFile: string;
  keyFile: string;
}

export interface ServingCertificate {
  cert: string;
  key: string;
  notAfter: Date;
  fingerprint: string;
}

export function certificatePaths(certDir: string): CertificatePaths {
  return { certFile: join(certDir, 'tls.crt'), keyFile: join(certDir, 'tls.key') };
}

/** Reads and checks a certificate/key pair; throws with a message naming the file on any problem. */
export async function loadCertificate(
  paths: CertificatePaths,
  now: Date = new Date(),
): Promise<ServingCertificate> {
  const [cert, key] = await Promise.all([readFile(paths.certFile, 'utf8'), readFile(paths.keyFile, 'utf8')]);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`${paths.certFile} is not a PEM certificate: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let publicFromKey: string;
  try {
    publicFromKey = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'pem' }).toString();
  } catch (error) {
    throw new Error(`${paths.keyFile} is not a PEM private key: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const publicFromCert = x509.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (publicFromKey !== publicFromCert) {
    throw new Error(`${paths.keyFile} does not belong to the certificate in ${paths.certFile}`);
  }
  const notAfter = new Date(x509.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw new Error(`the certificate in ${paths.certFile} expired at ${notAfter.toISOString()}`);
  }
  try {
    // What the server will do with the pair: OpenSSL refuses keys below its security level
    // (RSA under 2048 bits) here, not when the files are parsed.
    createSecureContext({ cert, key });
  } catch (error) {
    throw new Error(`OpenSSL refuses the pair in ${paths.certFile}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { cert, key, notAfter, fingerprint: x509.fingerprint256 };
}

export interface CertificateWatcherOptions {
  paths: CertificatePaths;
  pollIntervalMs?: number;
  /** Applies a new pair; if it throws, the pair counts as failed and the previous one stays. */
  onChange: (certificate: ServingCertificate) => void;
  /** Called once per failing pair (or read error), not on every poll that sees it again. */
  onError: (error: Error) => void;
}

/** How long a failed look at the files waits before the second look that decides it. */
const RELOAD_SETTLE_MS = 100;

/** Why a look at the files did not apply a pair, and what to report it as. */
interface ReloadFailure {
  error: Error;
  what: string;
}

/** Watches the certificate folder and calls `onChange` with each new valid pair. */
export class CertificateWatcher {
  private current?: ServingCertificate;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private reloading: Promise<void> = Promise.resolve();
  /** What the last failure was about (the pair's text, or the error), to report it once. */
  private lastFailure?: string;

  constructor(private readonly options: CertificateWatcherOptions) {}

  async start(): Promise<ServingCertificate> {
    this.current = await loadCertificate(this.options.paths);
    const folder = dirname(this.options.paths.certFile);
    try {
      this.watcher = watch(folder, { persistent: false }, () => this.scheduleReload());
      this.watcher.on('error', (error) => this.options.onError(error));
    } catch (error) {
      // Polling alone still rotates; say so once.
      this.options.onError(
        new Error(`cannot watch ${folder}, relying on polling: ${(error as Error).message}`),
      );
    }
    this.timer = setInterval(() => this.scheduleReload(), this.options.pollIntervalMs ?? 10_000);
    this.timer.unref();
    return this.current;
  }

  certificate(): ServingCertificate | undefined {
    return this.current;
  }

  /** Re-reads the files now; resolves when done (used by tests and on SIGHUP). */
  reload(): Promise<void> {
    this.scheduleReload();
    return this.reloading;
  }

  stop(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }

  private scheduleReload(): void {
    // reloadOnce never rejects, so the chain never stops: every later event or poll runs.
    this.reloading = this.reloading.then(() => this.reloadOnce());
  }

  private async reloadOnce(): Promise<void> {
    if ((await this.applyFromFiles()) === undefined) return;
    // The certificate and the key are two reads, so a look in the middle of a rotation (a
    // Secret volume's symlink swap, a writer replacing both files) can pair an old file with a
    // new one. Look once more after the swap has settled before calling the pair bad.
    await sleep(RELOAD_SETTLE_MS);
    const failure = await this.applyFromFiles();
    if (failure) this.failed(failure.error, failure.what);
  }

  /** Reads the pair and hands it to the server if it is new; undefined when nothing failed. */
  private async applyFromFiles(): Promise<ReloadFailure | undefined> {
    let next: ServingCertificate;
    try {
      next = await loadCertificate(this.options.paths);
    } catch (error) {
      return { error: error as Error, what: (error as Error).message };
    }
    if (next.fingerprint === this.current?.fingerprint && next.key === this.current.key) {
      this.lastFailure = undefined;
      return undefined;
    }
    try {
      this.options.onChange(next);
    } catch (error) {
      return { error: error as Error, what: `${next.cert}\0${next.key}` };
    }
    // Only a pair the server took becomes current, so a refused pair is retried when it changes.
    this.current = next;
    this.lastFailure = undefined;
    return undefined;
  }

  private failed(error: Error, what: string): void {
    if (what === this.lastFailure) return;
    this.lastFailure = what;
    try {
      this.options.onError(error);
    } catch {
      // A failing error handler must not stop the reload chain either.
    }
  }
}

export interface DevCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
  created: boolean;
}

/**
 * Makes a development CA and a serving certificate for localhost/127.0.0.1 (and the given
 * DNS names) in `certDir` unless a pair is already there. Never used in a cluster: the Helm
 * chart provides certificates.
 */
export async function ensureDevCertificates(
  certDir: string,
  dnsNames: string[] = [],
): Promise<DevCertificates> {
  const paths = certificatePaths(certDir);
  const caFile = join(certDir, 'ca.crt');
  try {
    await loadCertificate(paths);
    return { caFile, ...paths, created: false };
  } catch {
    // Missing or unusable: make a new set below.
  }
  await mkdir(certDir, { recursive: true });
  // Imported only to make certificates: selfsigned and its X.509 libraries hold about 4 MiB
  // of heap that a server on mounted certificates would carry for nothing.
  const { generate } = await import('selfsigned');
  const now = new Date();
  const inOneYear = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'rollouts-traffic-webhook dev CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: inOneYear,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const altNames = [
    { type: 2 as const, value: 'localhost' },
    { type: 7 as const, ip: '127.0.0.1' },
    { type: 7 as const, ip: '::1' },
    ...dnsNames.map((value) => ({ type: 2 as const, value })),
  ];
  const serving = await generate([{ name: 'commonName', value: 'rollouts-traffic-webhook' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: inOneYear,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  await writeFile(caFile, ca.cert, { mode: 0o644 });
  await writeFile(paths.keyFile, serving.private, { mode: 0o600 });
  await writeFile(paths.certFile, serving.cert, { mode: 0o644 });
  return { caFile, ...paths, created: true };
}
