/**
 * A fake apiserver (test/cluster/list-watch-apiserver.ts: list in pages, watch, resourceVersions)
 * holding the objects of a manifest folder, for the cache measurement. Prints its kubeconfig
 * path as one JSON line on stdout when it is serving, then runs until it is killed.
 *   npx tsx bench/fake-cluster.ts STATE_DIR KUBECONFIG_OUT
 */
import { writeFileSync } from 'node:fs';
import { readManifests } from '../src/cluster/manifest-files.js';
import { resourceOfManifest } from '../src/cluster/project.js';
import { ListWatchApiServer } from '../test/cluster/list-watch-apiserver.js';

const [stateDir, kubeconfigOut] = process.argv.slice(2);
if (!stateDir || !kubeconfigOut) throw new Error('usage: fake-cluster.ts STATE_DIR KUBECONFIG_OUT');

const server = new ListWatchApiServer();
await server.start();
const manifests = await readManifests([stateDir]);
if (manifests.errors.length > 0) throw new Error(manifests.errors.map((e) => e.message).join('\n'));
let objects = 0;
for (const doc of manifests.documents) {
  const resource = resourceOfManifest(doc.apiVersion, doc.kind);
  if (!resource) continue;
  server.upsert(resource, doc.object);
  objects++;
}
writeFileSync(kubeconfigOut, server.kubeconfigYaml());
console.log(JSON.stringify({ port: server.listeningPort, objects, kubeconfig: kubeconfigOut }));
