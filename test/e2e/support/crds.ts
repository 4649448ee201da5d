import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
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
  const crds = files.sort().map((file) => ({
    file,
    crd: parse(readFileSync(join(dir, file), 'utf8')) as V1CustomResourceDefinition,
  }));
  return createCrds(cluster, admin, crds);
}

/**
 * Creates the CustomResourceDefinitions of the Gateway API module's standard channel
 * (`config/crd/standard/*.yaml`: GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant,
 * …) and waits until each is Established. Documents of other kinds in those files are left
 * out: the e2e control plane needs the types, not the release's admission policies.
 */
export async function installGatewayApiCrds(
  cluster: Cluster,
  admin: TlsFiles,
  standardCrdDir: string,
): Promise<string[]> {
  const files = readdirSync(standardCrdDir).filter((file) => file.endsWith('.yaml'));
  const crds = files.sort().flatMap((file) =>
    parseAllDocuments(readFileSync(join(standardCrdDir, file), 'utf8'))
      .map((doc) => doc.toJS() as V1CustomResourceDefinition | null)
      .filter((doc) => doc?.kind === 'CustomResourceDefinition')
      .map((crd) => ({ file, crd: crd! })),
  );
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${standardCrdDir}`);
  return createCrds(cluster, admin, crds);
}

async function createCrds(
  cluster: Cluster,
  admin: TlsFiles,
  crds: readonly { file: string; crd: V1CustomResourceDefinition }[],
): Promise<string[]> {
  const server = cluster.config.getCurrentCluster()!.server;
  const names: string[] = [];
  for (const { file, crd } of crds) {
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
