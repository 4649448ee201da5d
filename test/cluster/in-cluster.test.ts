import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inClusterConnection, inClusterEnvironment } from '../../src/cluster/in-cluster.js';
import { RefreshingFile, REREAD_MS } from '../../src/cluster/refreshing-file.js';
import { testCa } from '../webhook/cert-volume.js';

const ENV = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
let dir: string;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * A service account folder laid out as the kubelet projects it: `token` and `ca.crt` are
 * links through `..data` to a timestamped folder, and an update swaps `..data`.
 */
function projectedVolume(token: string, ca: string): { rotate(token: string): void } {
  dir = mkdtempSync(join(tmpdir(), 'rtw-sa-'));
  let generation = 0;
  const rotate = (next: string) => {
    const data = `..${++generation}`;
    mkdirSync(join(dir, data));
    writeFileSync(join(dir, data, 'token'), next);
    writeFileSync(join(dir, data, 'ca.crt'), ca);
    symlinkSync(data, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  rotate(token);
  symlinkSync('..data/token', join(dir, 'token'));
  symlinkSync('..data/ca.crt', join(dir, 'ca.crt'));
  return { rotate };
}

describe('inClusterConnection', () => {
  it('reads the service host and port, the CA and the token', async () => {
    const ca = await testCa();
    projectedVolume('token-1\n', ca.cert);
    const connection = inClusterConnection(ENV, dir);
    expect(connection.server).toBe('https://10.96.0.1:443');
    expect(connection.tls).toEqual({ ca: Buffer.from(ca.cert), rejectUnauthorized: true });
    expect(connection.authorization()).toBe('Bearer token-1');
    expect(connection).toMatchObject({ source: 'in-cluster config', credentials: 'ServiceAccount token' });
  });

  it('brackets an IPv6 service host', async () => {
    projectedVolume('t', (await testCa()).cert);
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
    expect(inClusterConnection(env, dir).server).toBe('https://[fd00::1]:443');
  });

  it('sends the rotated token as soon as the kubelet swaps the volume', async () => {
    const volume = projectedVolume('token-1', (await testCa()).cert);
    const connection = inClusterConnection(ENV, dir);
    expect(connection.authorization()).toBe('Bearer token-1');
    volume.rotate('token-2');
    expect(connection.authorization()).toBe('Bearer token-2');
  });

  it('says what is missing', async () => {
    expect(inClusterEnvironment({})).toBe(false);
    expect(inClusterEnvironment(ENV)).toBe(true);
    expect(() => inClusterConnection({ KUBERNETES_SERVICE_HOST: 'x' }, '/nowhere')).toThrow(
      'in-cluster config needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT',
    );
    dir = mkdtempSync(join(tmpdir(), 'rtw-sa-'));
    expect(() => inClusterConnection(ENV, dir)).toThrow(
      new RegExp(
        `the ServiceAccount token ${join(dir, 'token')} cannot be read \\(is automountServiceAccountToken off\\?\\): ENOENT`,
      ),
    );
    writeFileSync(join(dir, 'token'), 't');
    expect(() => inClusterConnection(ENV, dir)).toThrow(
      new RegExp(`the cluster CA ${join(dir, 'ca.crt')} cannot be read: ENOENT`),
    );
  });
});

describe('RefreshingFile', () => {
  it('rereads a file that looks unchanged once a minute has passed', () => {
    dir = mkdtempSync(join(tmpdir(), 'rtw-token-'));
    const path = join(dir, 'token');
    const mtime = 1_700_000_000; // whole seconds: set back exactly
    writeFileSync(path, 'aaaa');
    utimesSync(path, mtime, mtime);
    let now = 1_000;
    const file = new RefreshingFile(path, () => now);
    // Same size, same inode, timestamp put back: nothing tells the change apart...
    writeFileSync(path, 'bbbb');
    utimesSync(path, mtime, mtime);
    expect(file.read()).toBe('aaaa');
    // ...until the minute is up.
    now += REREAD_MS;
    expect(file.read()).toBe('bbbb');
  });

  it('keeps the last good content while the file cannot be read, and refuses an empty file at start', () => {
    dir = mkdtempSync(join(tmpdir(), 'rtw-token-'));
    const path = join(dir, 'token');
    writeFileSync(path, 'good');
    const file = new RefreshingFile(path);
    rmSync(path);
    expect(file.read()).toBe('good');
    writeFileSync(path, '  \n');
    expect(file.read()).toBe('good');
    expect(() => new RefreshingFile(path)).toThrow(`${path} is empty`);
  });
});
