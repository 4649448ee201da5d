import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/cluster/endpoint.js';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.js';
import type { KubeconfigChoice } from '../../src/cluster/kubeconfig.js';
import type { JsonObject } from '../../src/routing/model.js';
import { issue, issueClient, testCa } from '../webhook/cert-volume.js';
import type { Pair } from '../webhook/cert-volume.js';

let dir: string;
let ca: Pair;
let client: Pair;
let otherClient: Pair;

const base64 = (text: string) => Buffer.from(text).toString('base64');

beforeAll(async () => {
  ca = await testCa();
  client = await issueClient(ca, 'tester');
  otherClient = await issue(ca);
});

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  dir = mkdtempSync(join(tmpdir(), 'rtw-kubeconfig-'));
  return dir;
}

/** A kubeconfig with one context `main` → cluster `c`, user `u`; `file` is relative to the test folder. */
function write(file: string, cluster: JsonObject, user?: JsonObject, extra: JsonObject = {}): string {
  const path = join(dir, file);
  mkdirSync(join(path, '..'), { recursive: true });
  const config: JsonObject = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: user ? [{ name: 'u', user }] : [],
    contexts: [{ name: 'main', context: user ? { cluster: 'c', user: 'u' } : { cluster: 'c' } }],
    'current-context': 'main',
    ...extra,
  };
  writeFileSync(path, stringify(config));
  return path;
}

function direct(choice: KubeconfigChoice): Connection {
  if (choice.kind !== 'direct')
    throw new Error(`expected the built-in loader, got the fallback: ${choice.reason}`);
  return choice.connection;
}

const SERVER = 'https://127.0.0.1:6443';

describe('loadKubeconfig: clusters', () => {
  it('reads certificate-authority as a path relative to the kubeconfig, and the server', () => {
    freshDir();
    writeFileSync(join(dir, 'ca.crt'), ca.cert);
    const file = write('config', { server: `${SERVER}/`, 'certificate-authority': 'ca.crt' }, { token: 't' });
    const connection = direct(loadKubeconfig([file]));
    expect(connection.server).toBe(SERVER);
    expect(connection.tls).toEqual({ ca: Buffer.from(ca.cert), rejectUnauthorized: true });
    expect(connection.source).toBe(`kubeconfig ${file}, context main`);
  });

  it('reads certificate-authority-data, tls-server-name and a server without a scheme', () => {
    freshDir();
    const file = write(
      'config',
      {
        server: '10.0.0.1:6443',
        'certificate-authority-data': base64(ca.cert),
        'tls-server-name': 'kubernetes',
      },
      undefined,
    );
    const connection = direct(loadKubeconfig([file]));
    expect(connection.server).toBe('https://10.0.0.1:6443');
    expect(connection.tls).toEqual({
      ca: Buffer.from(ca.cert),
      rejectUnauthorized: true,
      servername: 'kubernetes',
    });
    expect(connection.credentials).toBe('none');
    expect(connection.authorization()).toBeUndefined();
  });

  it('turns insecure-skip-tls-verify into rejectUnauthorized: false', () => {
    freshDir();
    const file = write('config', { server: SERVER, 'insecure-skip-tls-verify': true }, { token: 't' });
    expect(direct(loadKubeconfig([file])).tls).toEqual({ rejectUnauthorized: false });
  });

  it('ignores extensions and disable-compression', () => {
    freshDir();
    const file = write(
      'config',
      { server: SERVER, extensions: [], 'disable-compression': true },
      { token: 't' },
    );
    expect(loadKubeconfig([file]).kind).toBe('direct');
  });
});

describe('loadKubeconfig: users', () => {
  it('reads client-certificate and client-key files relative to the kubeconfig', () => {
    freshDir();
    mkdirSync(join(dir, 'sub/pki'), { recursive: true });
    writeFileSync(join(dir, 'sub/pki/client.crt'), client.cert);
    writeFileSync(join(dir, 'sub/pki/client.key'), client.key);
    const file = write(
      'sub/config',
      { server: SERVER },
      { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key' },
    );
    const connection = direct(loadKubeconfig([file]));
    expect(connection.tls.cert).toEqual(Buffer.from(client.cert));
    expect(connection.tls.key).toEqual(Buffer.from(client.key));
    expect(connection.credentials).toBe('client certificate');
  });

  it('reads client-certificate-data and client-key-data', () => {
    freshDir();
    const file = write(
      'config',
      { server: SERVER },
      { 'client-certificate-data': base64(client.cert), 'client-key-data': base64(client.key), token: 't' },
    );
    const connection = direct(loadKubeconfig([file]));
    expect(connection.tls.cert).toEqual(Buffer.from(client.cert));
    expect(connection.credentials).toBe('client certificate + token');
    expect(connection.authorization()).toBe('Bearer t');
  });

  it('sends basic auth for username/password', () => {
    freshDir();
    const file = write('config', { server: SERVER }, { username: 'admin', password: 's3cret' });
    const connection = direct(loadKubeconfig([file]));
    expect(connection.authorization()).toBe(`Basic ${base64('admin:s3cret')}`);
    expect(connection.credentials).toBe('basic auth');
  });

  it('reads tokenFile relative to the kubeconfig, again when it changes, and prefers it to token', () => {
    freshDir();
    writeFileSync(join(dir, 'token'), 'first\n');
    const file = write('config', { server: SERVER }, { tokenFile: 'token', token: 'ignored' });
    const connection = direct(loadKubeconfig([file]));
    expect(connection.authorization()).toBe('Bearer first');
    writeFileSync(join(dir, 'token'), 'second-token');
    expect(connection.authorization()).toBe('Bearer second-token');
    expect(connection.credentials).toBe('token file');
  });

  it('connects anonymously when the context names no user', () => {
    freshDir();
    const file = write('config', { server: SERVER });
    expect(direct(loadKubeconfig([file])).authorization()).toBeUndefined();
  });
});

describe('loadKubeconfig: several files (KUBECONFIG=a:b)', () => {
  it('takes current-context and each name from the first file that has it; skips missing files', () => {
    freshDir();
    const first = write('a', { server: 'https://first:6443' }, { token: 'first' }, { 'current-context': '' });
    const second = write(
      'b',
      { server: 'https://second:6443' },
      { token: 'second' },
      {
        contexts: [
          { name: 'main', context: { cluster: 'c', user: 'u' } },
          { name: 'other', context: { cluster: 'c' } },
        ],
      },
    );
    const third = write('c', { server: 'https://third:6443' }, undefined, { 'current-context': 'other' });
    const connection = direct(loadKubeconfig([join(dir, 'missing'), first, second, third]));
    // The first current-context set is b's `main`; cluster c and user u come from a.
    expect(connection.server).toBe('https://first:6443');
    expect(connection.authorization()).toBe('Bearer first');
    expect(connection.source).toBe(`kubeconfig ${first}:${second}:${third}, context main`);
  });

  it('resolves relative paths against the file each entry came from', () => {
    freshDir();
    mkdirSync(join(dir, 'one'));
    mkdirSync(join(dir, 'two'));
    writeFileSync(join(dir, 'two/ca.crt'), ca.cert);
    const first = join(dir, 'one/config');
    writeFileSync(
      first,
      stringify({ contexts: [{ name: 'main', context: { cluster: 'c' } }], 'current-context': 'main' }),
    );
    const second = write('two/config', { server: SERVER, 'certificate-authority': 'ca.crt' });
    expect(direct(loadKubeconfig([first, second])).tls.ca).toEqual(Buffer.from(ca.cert));
  });

  it('fails when no file of the list exists', () => {
    freshDir();
    expect(() => loadKubeconfig([join(dir, 'a'), join(dir, 'b')])).toThrow(
      `none of the kubeconfig files exist: ${join(dir, 'a')}, ${join(dir, 'b')}`,
    );
  });
});

describe('loadKubeconfig: errors name the file, entry and field', () => {
  it('a missing file', () => {
    freshDir();
    expect(() => loadKubeconfig([join(dir, 'nope')])).toThrow(
      new RegExp(`^kubeconfig ${join(dir, 'nope')} cannot be read: ENOENT`),
    );
  });

  it('a file that is not YAML, or not a mapping', () => {
    freshDir();
    writeFileSync(join(dir, 'bad'), 'clusters: [\n');
    expect(() => loadKubeconfig([join(dir, 'bad')])).toThrow(/^kubeconfig .*bad is not valid YAML/);
    writeFileSync(join(dir, 'list'), '- a\n');
    expect(() => loadKubeconfig([join(dir, 'list')])).toThrow(/^kubeconfig .*list is not a YAML mapping$/);
  });

  it('no current context, with the contexts that exist', () => {
    freshDir();
    const file = write('config', { server: SERVER }, undefined, { 'current-context': null });
    expect(() => loadKubeconfig([file])).toThrow(
      `no current context: ${file} does not set current-context (contexts defined: main)`,
    );
  });

  it('a current context, cluster or user that is not defined', () => {
    freshDir();
    const file = write('a', { server: SERVER }, { token: 't' }, { 'current-context': 'prod' });
    expect(() => loadKubeconfig([file])).toThrow(`current-context "prod" is not defined in ${file}`);
    const noCluster = write('b', { server: SERVER }, undefined, {
      contexts: [{ name: 'main', context: { cluster: 'gone' } }],
    });
    expect(() => loadKubeconfig([noCluster])).toThrow(
      `context "main" names cluster "gone", which ${noCluster} do not define`,
    );
    const noUser = write('c', { server: SERVER }, undefined, {
      contexts: [{ name: 'main', context: { cluster: 'c', user: 'who' } }],
    });
    expect(() => loadKubeconfig([noUser])).toThrow(
      `context "main" names user "who", which ${noUser} do not define`,
    );
  });

  it('a cluster without a server, or with a server that is not http(s)', () => {
    freshDir();
    const file = write('a', {}, undefined);
    expect(() => loadKubeconfig([file])).toThrow(`cluster "c" (${file}) has no server`);
    const ftp = write('b', { server: 'ftp://x' }, undefined);
    expect(() => loadKubeconfig([ftp])).toThrow(`cluster "c" (${ftp}): server ftp://x is not http(s)`);
  });

  it('an unreadable certificate file', () => {
    freshDir();
    const file = write(
      'config',
      { server: SERVER },
      { 'client-certificate': 'missing.crt', 'client-key': 'missing.key' },
    );
    expect(() => loadKubeconfig([file])).toThrow(
      new RegExp(
        `^user "u" \\(${file}\\): client-certificate ${join(dir, 'missing.crt')} cannot be read: ENOENT`,
      ),
    );
  });

  it('an unreadable tokenFile', () => {
    freshDir();
    const file = write('config', { server: SERVER }, { tokenFile: 'token' });
    expect(() => loadKubeconfig([file])).toThrow(
      new RegExp(`tokenFile ${join(dir, 'token')} cannot be read: ENOENT`),
    );
  });

  it('a certificate that is not PEM, a key without its certificate, a key that does not match', () => {
    freshDir();
    const notPem = write('a', { server: SERVER, 'certificate-authority-data': base64('hello') });
    expect(() => loadKubeconfig([notPem])).toThrow(
      `cluster "c" (${notPem}): certificate-authority-data (base64 of PEM) is not PEM`,
    );
    const keyOnly = write('b', { server: SERVER }, { 'client-key-data': base64(client.key) });
    expect(() => loadKubeconfig([keyOnly])).toThrow(
      `user "u" (${keyOnly}) has a client-key without a client-certificate`,
    );
    const mismatch = write(
      'c',
      { server: SERVER },
      {
        'client-certificate-data': base64(client.cert),
        'client-key-data': base64(otherClient.key),
      },
    );
    expect(() => loadKubeconfig([mismatch])).toThrow(
      new RegExp(`^user "u" \\(${mismatch}\\): the TLS material is unusable`),
    );
  });

  it('settings kubectl refuses too: file and data, CA and insecure, token and basic auth', () => {
    freshDir();
    const both = write('a', {
      server: SERVER,
      'certificate-authority': '/x',
      'certificate-authority-data': 'eA==',
    });
    expect(() => loadKubeconfig([both])).toThrow(
      'sets both certificate-authority and certificate-authority-data',
    );
    const insecure = write('b', {
      server: SERVER,
      'insecure-skip-tls-verify': true,
      'certificate-authority-data': base64(ca.cert),
    });
    expect(() => loadKubeconfig([insecure])).toThrow(
      'sets both a certificate-authority and insecure-skip-tls-verify',
    );
    const twoMethods = write('c', { server: SERVER }, { token: 't', username: 'admin', password: 'p' });
    expect(() => loadKubeconfig([twoMethods])).toThrow('sets both a token and a username/password');
  });
});

describe('loadKubeconfig: what goes to the client-node fallback', () => {
  it.each([
    [
      {},
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } },
      'user "u" uses an exec credential plugin',
    ],
    [{}, { 'auth-provider': { name: 'oidc' } }, 'user "u" uses an auth-provider'],
    [{}, { as: 'someone' }, 'user "u" sets as'],
    [{ 'proxy-url': 'http://proxy:3128' }, { token: 't' }, 'cluster "c" sets proxy-url'],
    [{ 'some-new-field': 1 }, { token: 't' }, 'cluster "c" sets some-new-field'],
  ])('cluster %j, user %j: %s', (cluster, user, reason) => {
    freshDir();
    const file = write('config', { server: SERVER, ...cluster }, user);
    expect(loadKubeconfig([file])).toMatchObject({ kind: 'fallback', reason });
  });

  it('hands over the one context, with paths made absolute (tokenFile also as client-node spells it)', () => {
    freshDir();
    const file = write(
      'config',
      { server: SERVER, 'certificate-authority': 'ca.crt' },
      {
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './bin/plugin', args: ['x'] },
        tokenFile: 't',
      },
      {
        contexts: [
          { name: 'main', context: { cluster: 'c', user: 'u', namespace: 'x' } },
          { name: 'other', context: {} },
        ],
      },
    );
    const choice = loadKubeconfig([file]);
    expect(choice).toEqual({
      kind: 'fallback',
      reason: 'user "u" uses an exec credential plugin',
      source: `kubeconfig ${file}, context main`,
      config: {
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'main',
        contexts: [{ name: 'main', context: { cluster: 'c', user: 'u' } }],
        clusters: [{ name: 'c', cluster: { server: SERVER, 'certificate-authority': join(dir, 'ca.crt') } }],
        users: [
          {
            name: 'u',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: join(dir, 'bin/plugin'),
                args: ['x'],
              },
              tokenFile: join(dir, 't'),
              'token-file': join(dir, 't'),
            },
          },
        ],
      },
    });
  });

  it('still reports a missing server itself', () => {
    freshDir();
    const file = write('config', {}, { exec: { command: 'aws' } });
    expect(() => loadKubeconfig([file])).toThrow(`cluster "c" (${file}) has no server`);
  });
});
