// The chart's `helm test` pod, run as far as a pod can be without a kubelet: the command, args and
// environment helm renders for it are executed with node against the real `serve`, on loopback
// with a dev CA. `webhooks.url` points the rendered pod at that server and secret mode hands it that
// CA, so nothing of the rendered pod is rewritten.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureDevCertificates } from '../../src/webhook/tls.js';
import { HELM_VERSION, describeWithHelm, render } from './helm.js';
import { runTestPod, type TestPodSpec } from './test-pod.js';

interface Served {
  url: string;
  child: ChildProcess;
}

const dirs: string[] = [];
const servers: Served[] = [];

async function devCa(): Promise<{ dir: string; caPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'rtw-helm-test-pod-'));
  dirs.push(dir);
  await ensureDevCertificates(dir);
  return { dir, caPem: readFileSync(join(dir, 'ca.crt'), 'utf8') };
}

/** `serve` from dist/ on a free loopback port, answering from the quick-start manifests (its `serving` log line names the URL). */
async function serve(certDir: string, flags: string[]): Promise<Served> {
  const args = [
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--cert-dir',
    certDir,
    '--state',
    'examples/quickstart',
  ];
  const child = spawn(
    process.execPath,
    ['bin/rollouts-traffic-webhook.js', ...args, '--log-level', 'info', ...flags],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /"url":"(https:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error(`serve exited before listening: ${stderr}`)));
  });
  const served = { url, child };
  servers.push(served);
  return served;
}

/** The rendered test pod of a release whose hooks call `url` and trust `caPem`. */
async function testPod(url: string, caPem: string, values: object = {}): Promise<TestPodSpec> {
  const rendered = await render({
    certificates: {
      mode: 'secret',
      secret: { name: 'loopback-tls', caBundle: Buffer.from(caPem).toString('base64') },
    },
    webhooks: { url },
    ...values,
  });
  return rendered.one('Pod') as TestPodSpec;
}

describeWithHelm(`the helm test pod rendered by helm ${HELM_VERSION}, run against serve`, () => {
  let ca: { dir: string; caPem: string };
  let deny: Served;
  let warn: Served;
  let mutualTls: Served;

  beforeAll(async () => {
    if (!existsSync('dist/cli.js')) throw new Error('dist/ is not built: npm run build');
    ca = await devCa();
    [deny, warn, mutualTls] = await Promise.all([
      serve(ca.dir, ['--enforcement', 'deny']),
      serve(ca.dir, ['--enforcement', 'warn']),
      serve(ca.dir, ['--client-ca', join(ca.dir, 'ca.crt')]),
    ]);
  }, 30_000);

  afterAll(async () => {
    for (const { child } of servers) child.kill('SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('passes against a ready server that denies the sample review', async () => {
    const result = await runTestPod(await testPod(deny.url, ca.caPem));
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`GET ${deny.url}/readyz: 200`);
    expect(result.stdout).toContain(
      'denied: Ingress rtw-system/helm-test has 1 error in its traffic routing:\n- metadata.annotations["alb.ingress.kubernetes.io/actions.helm-test-stable"]: failed to parse json annotation',
    );
    expect(result.stdout).toContain('webhook test passed');
    expect(result.code).toBe(0);
  });

  it('passes in warn mode, where the review is admitted with a warning', async () => {
    const result = await runTestPod(await testPod(warn.url, ca.caPem, { server: { enforcement: 'warn' } }));
    expect(result.stdout).toContain('admitted with a warning');
    expect(result.code).toBe(0);
  });

  it('passes with client authentication on, where its certificate-less review must get 401', async () => {
    const pod = await testPod(mutualTls.url, ca.caPem, {
      clientAuth: { enabled: true, caConfigMap: 'apiserver-ca' },
    });
    const result = await runTestPod(pod);
    expect(result.stdout).toContain('without a client certificate: 401, as clientAuth requires');
    expect(result.code).toBe(0);
  });

  it('fails when the server does not judge the way the chart says it runs', async () => {
    const result = await runTestPod(await testPod(deny.url, ca.caPem, { server: { enforcement: 'warn' } }));
    expect(result.stderr).toContain('the sample Ingress was refused; enforcement warn admits it');
    expect(result.code).toBe(1);
  });

  it('fails when the serving certificate does not verify against the CA bundle', async () => {
    const other = await devCa();
    const result = await runTestPod(await testPod(deny.url, other.caPem));
    expect(result.stderr).toMatch(/webhook test failed: .*(self-signed|unable to verify|certificate)/i);
    expect(result.code).toBe(1);
  });

  it('fails when nothing answers', async () => {
    const result = await runTestPod(await testPod('https://127.0.0.1:1', ca.caPem));
    expect(result.stderr).toContain('webhook test failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(result.code).toBe(1);
  });
});
