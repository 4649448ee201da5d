/**
 * A fake apiserver (test/cluster/list-watch-apiserver.ts: list in pages, watch, resourceVersions)
 * holding the objects of a manifest folder, for the cache measurement. Prints its kubeconfig
 * path as one JSON line on stdout when it is serving, then runs until it is killed.
 *   npx tsx bench/fake-cluster.ts STATE_DIR KUBECONFIG_OUT
 *
 * Commands on stdin, one a line, each answered with one JSON line on stdout:
 *   touch   the Rollouts of one namespace in ten get a label bumped, as watch events
 *           (bench/fake-cluster-changes.ts); answers {"touched": {namespaces, rollouts, ...}}
 * Anything else is answered {"error": ...}. A closed stdin (or none) changes nothing.
 */
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { readManifests } from '../src/cluster/manifest-files.js';
import { resourceOfManifest } from '../src/cluster/project.js';
import { ListWatchApiServer } from '../test/cluster/list-watch-apiserver.js';
import { touchEveryTenthNamespace } from './fake-cluster-changes.js';

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

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = line.trim();
  if (command === 'touch') console.log(JSON.stringify({ touched: touchEveryTenthNamespace(server) }));
  else console.log(JSON.stringify({ error: `unknown command ${JSON.stringify(command)}` }));
});
