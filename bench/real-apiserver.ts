/**
 * The caches against a real kube-apiserver: the e2e harness's loopback etcd + kube-apiserver
 * (test/e2e/control-plane.ts, binaries from test/e2e/build-components.sh), the Argo Rollouts
 * CRDs, and the benchmark's 40,001 objects created through the API with concurrent requests
 * (Rollout status through the status subresource). Then `serve --kubeconfig` lists and watches
 * them. Skipped, with the reason, when the harness or its binaries are not there.
 *
 * RTW_E2E_DIR points at another checkout's test/e2e (default: this repository's).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readManifests } from '../src/cluster/manifest-files.js';
import type { JsonObject } from '../src/routing/model.js';
import { ApiserverClient, createManifest, pool } from './apiserver-client.js';
import type { CacheContext, CacheResult } from './cache.js';
import { RUNTIME_VARIANTS, serveFromKubeconfig } from './cache.js';

const CONCURRENCY = 48;

interface ClientCert {
  cert: string;
  key: string;
}
interface ControlPlaneHandle {
  endpoints: {
    apiServerUrl: string;
    kubeconfigs: { admin: string; webhook: string };
    pki: { caCert: string; clients: { admin: ClientCert } };
  };
  stop(): Promise<void>;
}

async function importE2e<T>(e2eDir: string, file: string): Promise<T> {
  return (await import(pathToFileURL(join(e2eDir, file)).href)) as T;
}

export async function realApiserverCaches(ctx: CacheContext): Promise<CacheResult[]> {
  const e2eDir = process.env['RTW_E2E_DIR'] ?? join(ctx.root, 'test/e2e');
  if (!existsSync(join(e2eDir, 'control-plane.ts'))) {
    console.log(`real apiserver: skipped, no e2e harness at ${e2eDir} (set RTW_E2E_DIR)`);
    return [];
  }
  const { ControlPlane } = await importE2e<{
    ControlPlane: { start(dir: string, b: object, p: object): Promise<ControlPlaneHandle> };
  }>(e2eDir, 'control-plane.ts');
  const { ProcessGroup } = await importE2e<{ ProcessGroup: new () => object }>(
    e2eDir,
    'support/processes.ts',
  );
  const components = await importE2e<{
    componentPaths(): Promise<Record<string, string>>;
    rolloutsModuleDir(): Promise<string>;
  }>(e2eDir, 'support/components.ts');
  const { connect } = await importE2e<{ connect(k: string): object }>(e2eDir, 'support/cluster.ts');
  const { installRolloutsCrds } = await importE2e<{
    installRolloutsCrds(c: object, tls: object, dir: string): Promise<string[]>;
  }>(e2eDir, 'support/crds.ts');

  const paths = await components.componentPaths();
  const missing = ['etcd', 'kube-apiserver'].filter((n) => !paths[n] || !existsSync(paths[n]));
  if (missing.length > 0) {
    console.log(
      `real apiserver: skipped, missing ${missing.join(', ')} (run test/e2e/build-components.sh all)`,
    );
    return [];
  }
  const plane = await ControlPlane.start(
    join(ctx.scratch, 'control-plane'),
    { etcd: paths['etcd'], kubeApiserver: paths['kube-apiserver'] },
    new ProcessGroup(),
  );
  try {
    const { endpoints } = plane;
    const admin = { ca: endpoints.pki.caCert, ...endpoints.pki.clients.admin };
    await installRolloutsCrds(
      connect(endpoints.kubeconfigs.admin),
      admin,
      await components.rolloutsModuleDir(),
    );
    const created = await createObjects(ctx.stateDir, endpoints.apiServerUrl, admin);
    console.log(
      `real apiserver: created ${created.objects} objects (+${created.statusUpdates} Rollout status updates) ` +
        `in ${created.seconds} s with ${CONCURRENCY} concurrent requests`,
    );
    const note = `objects created in ${created.seconds} s (${CONCURRENCY} concurrent requests)`;
    const results: CacheResult[] = [];
    for (const variant of RUNTIME_VARIANTS) {
      const result = await serveFromKubeconfig(
        { ...ctx, objects: created.objects },
        'kube-apiserver',
        endpoints.kubeconfigs.webhook,
        variant,
      );
      results.push({ ...result, note });
    }
    return results;
  } finally {
    await plane.stop();
  }
}

interface Created {
  objects: number;
  statusUpdates: number;
  seconds: number;
}

async function createObjects(
  stateDir: string,
  server: string,
  tls: { ca: string; cert: string; key: string },
): Promise<Created> {
  const client = new ApiserverClient(server, tls, CONCURRENCY);
  const manifests = await readManifests([stateDir]);
  const started = Date.now();
  const namespaces = new Set(
    manifests.documents
      .map((d) => (d.object['metadata'] as JsonObject)['namespace'])
      .filter((n) => typeof n === 'string'),
  );
  await pool([...namespaces], CONCURRENCY, async (ns) => {
    await client.send('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns as string },
    });
  });
  let objects = 0;
  let statusUpdates = 0;
  await pool(manifests.documents, CONCURRENCY, async (doc) => {
    const object = structuredClone(doc.object);
    // The test apiserver's service range has 254 addresses: 20,000 Services must be headless.
    if (doc.kind === 'Service') (object['spec'] as JsonObject)['clusterIP'] = 'None';
    const created = await createManifest(client, object);
    if (created) objects++;
    if (created?.statusWritten) statusUpdates++;
  });
  client.close();
  return { objects, statusUpdates, seconds: Math.round((Date.now() - started) / 100) / 10 };
}
