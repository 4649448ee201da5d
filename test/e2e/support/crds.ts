import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';
import { httpsRequest, type TlsFiles } from './https.js';
import { waitFor } from './wait.js';

/**
 * Creates every `manifests/crds/*-crd.yaml` of the Argo Rollouts module and waits until each
 * is Established. Created, not client-side applied: each file is far larger than the
 * last-applied annotation may be. Posted as raw JSON: client-node's typed serializer drops
 * the `x-kubernetes-int-or-string` schema keys it reads from YAML, and the apiserver then
 * rejects the schema.
 */
export async function installRolloutsCrds(
  cluster: Cluster,
  admin: TlsFiles,
  rolloutsModuleDir: string,
): Promise<string[]> {
  const dir = join(rolloutsModuleDir, 'manifests', 'crds');
  const files = readdirSync(dir).filter((file) => file.endsWith('-crd.yaml'));
  if (files.length === 0) throw new Error(`no *-crd.yaml in ${dir}`);
  return installCrdFiles(
    cluster,
    admin,
    files.sort().map((file) => join(dir, file)),
  );
}

/** Creates the CRD of each file (one CRD a file) and waits until each is Established. */
export async function installCrdFiles(
  cluster: Cluster,
  admin: TlsFiles,
  files: readonly string[],
): Promise<string[]> {
  const server = cluster.config.getCurrentCluster()!.server;
  const names: string[] = [];
  for (const file of files) {
    const crd = parse(readFileSync(file, 'utf8')) as V1CustomResourceDefinition;
    const res = await httpsRequest(
      `${server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`,
      admin,
      {
        method: 'POST',
        body: JSON.stringify(crd),
        headers: { 'content-type': 'application/json' },
      },
    );
    if (res.status !== 201)
      throw new Error(`creating CRD from ${file}: HTTP ${res.status}: ${res.body.slice(0, 2000)}`);
    names.push(crd.metadata?.name ?? file);
  }
  for (const name of names) await waitEstablished(cluster, name);
  return names;
}

async function waitEstablished(cluster: Cluster, name: string): Promise<void> {
  await waitFor(
    `CRD ${name} to be Established`,
    async () => {
      const crd = await cluster.apiextensions.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      return established?.status === 'True' ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}
