import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';
import { waitFor } from './wait.js';

/**
 * Creates every `manifests/crds/*-crd.yaml` of the Argo Rollouts module and waits until each
 * is Established. Created, not client-side applied: each file is far larger than the
 * last-applied annotation may be.
 */
export async function installRolloutsCrds(cluster: Cluster, rolloutsModuleDir: string): Promise<string[]> {
  const dir = join(rolloutsModuleDir, 'manifests', 'crds');
  const files = readdirSync(dir).filter((file) => file.endsWith('-crd.yaml'));
  if (files.length === 0) throw new Error(`no *-crd.yaml in ${dir}`);
  const names: string[] = [];
  for (const file of files.sort()) {
    const crd = parse(readFileSync(join(dir, file), 'utf8')) as V1CustomResourceDefinition;
    await cluster.apiextensions.createCustomResourceDefinition({ body: crd });
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
