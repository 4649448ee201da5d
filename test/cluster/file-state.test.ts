import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileClusterState } from '../../src/cluster/file-state.js';
import { readManifests } from '../../src/cluster/manifest-files.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'manifests');

describe('FileClusterState on a folder of good manifests', () => {
  it('loads multi-document YAML, Lists, JSON and nested folders into the store', async () => {
    const state = new FileClusterState([FIXTURES]);
    expect(state.isSynced()).toBe(false);
    await state.start();
    expect(state.isSynced()).toBe(true);
    expect(state.loadErrors()).toEqual([]);

    expect(state.getRollout('shop', 'web')?.canary?.trafficRouting?.alb?.ingress).toBe('web');
    expect(state.getIngress('shop', 'web')?.ingressClassName).toBe('alb');
    expect(state.getService('shop', 'web-stable')?.ports).toEqual([{ name: 'http', port: 80 }]);
    expect(state.getService('shop', 'web-canary')).toBeDefined();
    expect(state.getService('shop', 'web-root')?.ports).toEqual([{ port: 80 }]);
    expect(state.ingressClasses()).toEqual([
      { name: 'alb', controller: 'ingress.k8s.aws/alb', isDefault: true },
    ]);
    expect(state.rolloutsReferencingIngress('shop', 'web').map((r) => r.name)).toEqual(['web']);

    // The Deployment is ignored, not an error; hidden folders and non-manifest files are not read.
    expect(state.ignoredCount()).toBe(1);
    expect(state.getService('shop', 'hidden')).toBeUndefined();

    const status = state.status();
    expect(status).toMatchObject({ source: 'files', synced: true, staleSeconds: 0 });
    expect(status.apiCalls).toEqual({ list: 0, watch: 0, onRequestPath: 0 });
    expect(status.resources.services).toMatchObject({ synced: true, objects: 3, staleSeconds: 0 });
    expect(status.resources.rollouts.objects).toBe(1);
    await state.stop();
  });

  it('reads a file named explicitly whatever its extension, and filters by namespace', async () => {
    const set = await readManifests([join(FIXTURES, 'nested', 'README.txt')]);
    expect(set.files).toHaveLength(1);
    // Prose is not a Kubernetes object: skipped and listed, not an error.
    expect(set.errors).toEqual([]);
    expect(set.skipped).toEqual([
      {
        file: join(FIXTURES, 'nested', 'README.txt'),
        document: 1,
        reason: expect.stringMatching(/^not a Kubernetes object \(got "/),
      },
    ]);

    const state = new FileClusterState([FIXTURES], { namespaces: ['elsewhere'] });
    await state.start();
    expect(state.getRollout('shop', 'web')).toBeUndefined();
    // IngressClasses are cluster-scoped and kept whatever the namespaces.
    expect(state.ingressClasses()).toHaveLength(1);
  });
});

describe('FileClusterState with bad input', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cluster-state-'));
    await writeFile(
      join(dir, 'mixed.yaml'),
      [
        'apiVersion: v1\nkind: Service\nmetadata: { name: good-one, namespace: ops }\nspec: { ports: [{ port: 8080 }] }',
        'apiVersion: v1\nkind: Service\nmetadata: { name: [unclosed, namespace: ops }',
        'just a string',
        'kind: Service\nmetadata: { name: no-api-version }',
        'apiVersion: v1\nkind: Service\nmetadata: { namespace: ops }',
        'apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: Service, metadata: { name: listed, namespace: ops } }\n  - 42',
        'apiVersion: v1\nkind: List\nitems: nope',
        'apiVersion: v1\nkind: Service\nmetadata: { name: good-two, namespace: ops }',
        '',
      ].join('\n---\n'),
    );
    await writeFile(join(dir, 'truncated.json'), '{ "apiVersion": "v1", "kind": "Service", ');
    await mkdir(join(dir, 'later'));
    await writeFile(
      join(dir, 'later', 'duplicate.yml'),
      'apiVersion: v1\nkind: Service\nmetadata: { name: good-one, namespace: ops }\nspec: { ports: [{ port: 9090 }] }\n',
    );
    await writeFile(
      join(dir, 'other-rollout.yaml'),
      'apiVersion: example.com/v1\nkind: Rollout\nmetadata: { name: not-argo, namespace: ops }\n',
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file and document of every bad one, and loses none of the good ones', async () => {
    const state = new FileClusterState([dir, join(dir, 'does-not-exist.yaml')]);
    await state.start();
    expect(state.isSynced()).toBe(true);

    const messages = state.loadErrors().map((e) => e.message);
    const mixed = join(dir, 'mixed.yaml');
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/does-not-exist\.yaml: cannot be read: ENOENT/),
        expect.stringMatching(
          new RegExp(`^${escape(mixed)} document 2: is not valid YAML: .*at line 8, column \\d+`),
        ),
        `${mixed} document 4: is not a Kubernetes object: apiVersion and kind must be non-empty strings`,
        `${mixed} document 5: Service skipped: metadata.name is required`,
        `${mixed} document 6 items[1]: is not a Kubernetes object (got 42)`,
        `${mixed} document 7: items of a List must be an array (got "nope")`,
        expect.stringMatching(/truncated\.json document 1: is not valid JSON: /),
        `${mixed} document 1: Service ops/good-one is also defined in ${join(dir, 'later', 'duplicate.yml')} document 1; the later definition is used`,
      ]),
    );
    expect(messages).toHaveLength(8);
    const docError = state.loadErrors().find((e) => e.document === 6);
    expect(docError).toMatchObject({ file: mixed, document: 6, item: 2 });

    // Everything good was kept, around the bad documents.
    expect(state.getService('ops', 'good-two')).toBeDefined();
    expect(state.getService('ops', 'listed')).toBeDefined();
    // Entries are read in sorted order (`later/` before `mixed.yaml`), and the later definition wins.
    expect(state.getService('ops', 'good-one')?.ports).toEqual([{ port: 8080 }]);
    // A `Rollout` of another API group is not an Argo Rollout.
    expect(state.getRollout('ops', 'not-argo')).toBeUndefined();
    expect(state.ignoredCount()).toBe(1);
  });

  it('projects each document as it is read, with the same result as loading a read set', async () => {
    const streamed = new FileClusterState([dir]);
    await streamed.start();
    const loaded = new FileClusterState([dir]);
    loaded.load(await readManifests([dir]));
    expect(streamed.loadErrors()).toEqual(loaded.loadErrors());
    const counts = (state: FileClusterState) =>
      Object.values(state.status().resources).map((resource) => resource.objects);
    expect(counts(streamed)).toEqual(counts(loaded));
    expect(streamed.getService('ops', 'good-one')).toEqual(loaded.getService('ops', 'good-one'));

    const seen: string[] = [];
    const set = await readManifests([dir], {
      onDocument: (doc) => seen.push(`${doc.kind} ${doc.document}${doc.item ? `/${doc.item}` : ''}`),
    });
    // Handed over in file order, not collected.
    expect(set.documents).toEqual([]);
    expect(seen).toEqual(['Service 1', 'Service 1', 'Service 5', 'Service 6/1', 'Service 8', 'Rollout 1']);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
