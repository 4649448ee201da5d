/**
 * `render PATH...`: prints the manifests with each Ingress as the webhook would admit it on
 * CREATE (Rollout-owned annotations and paths injected), as multi-document YAML.
 */
import { stringify } from 'yaml';
import { admitOffline } from './offline.js';
import { policyFrom } from './policy.js';
import { loadManifestsStrict } from './state.js';

export async function renderCommand(paths: string[], controllerIdentities?: string): Promise<number> {
  const { cluster, manifests } = await loadManifestsStrict(paths);
  const policy = policyFrom(controllerIdentities, 'deny');
  const out = manifests.documents.map((document) => {
    const { admitted, mutationWarnings } = admitOffline(document, cluster, policy);
    for (const warning of mutationWarnings) process.stderr.write(`render: warning: ${warning}\n`);
    return stringify(admitted, { lineWidth: 0 });
  });
  process.stdout.write(out.map((doc) => `---\n${doc}`).join(''));
  return 0;
}
