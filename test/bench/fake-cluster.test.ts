/**
 * The incremental audit-under-load row counts on the fake apiserver's touch: it must change the
 * Rollouts of exactly the namespaces it names, nothing else, and a watcher (the serve's cache)
 * must see each change as a MODIFIED event, both in-process and through bench/fake-cluster.ts's
 * stdin command, which is how the bench asks for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get, type ClientRequest } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/routing/model.js';
import { touchEveryTenthNamespace, type Touched } from '../../bench/fake-cluster-changes.js';
import { writeClusterState } from '../../bench/fixtures.js';
import { ListWatchApiServer } from '../cluster/list-watch-apiserver.js';

const root = join(import.meta.dirname, '..', '..');
const ROLLOUTS = '/apis/argoproj.io/v1alpha1/rollouts';

interface SeenEvent {
  type: string;
  namespace: string;
  name: string;
  label: string | undefined;
  rv: number;
}

function tokenOf(kubeconfigYaml: string): string {
  const config = parse(kubeconfigYaml) as { users: { user: { token: string } }[] };
  return config.users[0]!.user.token;
}

function getJson(port: number, token: string, path: string): Promise<JsonObject> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text) as JsonObject));
    }).on('error', reject);
  });
}

/**
 * A watch on every Rollout from `resourceVersion`, open once `opened` resolves; `events(n)`
 * resolves with the first n events it delivers.
 */
function watchRollouts(port: number, token: string, resourceVersion: string) {
  const seen: SeenEvent[] = [];
  const waiting: { count: number; resolve: (events: SeenEvent[]) => void }[] = [];
  let request!: ClientRequest;
  const opened = new Promise<void>((resolve, reject) => {
    request = get(
      {
        host: '127.0.0.1',
        port,
        path: `${ROLLOUTS}?watch=true&resourceVersion=${resourceVersion}`,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        // close() ends the watch by destroying it; the 'aborted' error (which readline passes
        // on) is that.
        res.on('error', () => undefined);
        const lines = createInterface({ input: res });
        lines.on('error', () => undefined);
        lines.on('line', (line) => {
          const event = JSON.parse(line) as { type: string; object: JsonObject };
          const metadata = event.object['metadata'] as JsonObject;
          const labels = (metadata['labels'] ?? {}) as Record<string, string>;
          seen.push({
            type: event.type,
            namespace: metadata['namespace'] as string,
            name: metadata['name'] as string,
            label: labels['rtw-bench/touched'],
            rv: Number(metadata['resourceVersion']),
          });
          for (const w of waiting.filter((w) => seen.length >= w.count)) w.resolve(seen.slice(0, w.count));
        });
        resolve();
      },
    );
    request.on('error', reject);
  });
  return {
    opened,
    // The events may all have arrived before anyone asks (the touch's answer on stdout can come
    // after its watch events): answer from what was seen, or wait for the rest.
    events: (count: number) =>
      new Promise<SeenEvent[]>((resolve) => {
        if (seen.length >= count) resolve(seen.slice(0, count));
        else waiting.push({ count, resolve });
      }),
    close: () => request.destroy(),
  };
}

function rollout(namespace: string, name: string, labels?: Record<string, string>): JsonObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { namespace, name, ...(labels ? { labels } : {}) },
    spec: { replicas: 1 },
  };
}

function ingress(namespace: string, name: string): JsonObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace, name }, spec: {} };
}

describe('touchEveryTenthNamespace', () => {
  let server: ListWatchApiServer;
  let token: string;
  const closers: (() => void)[] = [];

  beforeAll(async () => {
    server = new ListWatchApiServer();
    await server.start();
    token = tokenOf(server.kubeconfigYaml());
    // team-0 … team-24, two Rollouts and one Ingress each; team-10 also has a Rollout that
    // already carries the label, and team-99 holds only an Ingress (no Rollouts: not counted
    // among the namespaces, so it moves no one's turn).
    for (let n = 0; n < 25; n++) {
      server.upsert('rollouts', rollout(`team-${n}`, 'a'));
      server.upsert('rollouts', rollout(`team-${n}`, 'b'));
      server.upsert('ingresses', ingress(`team-${n}`, 'a'));
    }
    server.upsert('rollouts', rollout('team-10', 'c', { app: 'c', 'rtw-bench/touched': '4' }));
    server.upsert('ingresses', ingress('team-99', 'only'));
  });
  afterEach(() => closers.splice(0).forEach((close) => close()));
  afterAll(async () => server.stop());

  it('upserts the Rollouts of team-0, team-10 and team-20 only, each seen as MODIFIED with the label bumped', async () => {
    const before = server.resourceVersion;
    const watch = watchRollouts(server.listeningPort, token, String(before));
    closers.push(watch.close);
    await watch.opened;

    const touched = touchEveryTenthNamespace(server);

    expect(touched).toEqual<Touched>({
      namespaces: ['team-0', 'team-10', 'team-20'],
      rollouts: 7,
      ingresses: 3,
      resourceVersion: before + 7,
    });
    const events = await watch.events(7);
    const byKey = (e: SeenEvent) => `${e.namespace}/${e.name}`;
    expect(events.map((e) => `${e.type} ${byKey(e)} ${e.label}`).sort()).toEqual([
      'MODIFIED team-0/a 1',
      'MODIFIED team-0/b 1',
      'MODIFIED team-10/a 1',
      'MODIFIED team-10/b 1',
      'MODIFIED team-10/c 5',
      'MODIFIED team-20/a 1',
      'MODIFIED team-20/b 1',
    ]);
    // Seven changes in all: nothing else in the cluster moved.
    expect(server.resourceVersion).toBe(before + 7);
    // The other labels stay.
    const c = server.truth('rollouts').find((r) => (r['metadata'] as JsonObject)['name'] === 'c')!;
    expect((c['metadata'] as JsonObject)['labels']).toEqual({ app: 'c', 'rtw-bench/touched': '5' });
  });

  it('bumps the label again on the next touch', async () => {
    const before = server.resourceVersion;
    const watch = watchRollouts(server.listeningPort, token, String(before));
    closers.push(watch.close);
    await watch.opened;

    expect(touchEveryTenthNamespace(server).namespaces).toEqual(['team-0', 'team-10', 'team-20']);

    const labels = (await watch.events(7)).map((e) => `${e.namespace}/${e.name} ${e.label}`).sort();
    expect(labels).toEqual([
      'team-0/a 2',
      'team-0/b 2',
      'team-10/a 2',
      'team-10/b 2',
      'team-10/c 6',
      'team-20/a 2',
      'team-20/b 2',
    ]);
  });
});

describe('bench/fake-cluster.ts', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtw-fake-cluster-'));
    // 40 apps: namespaces team-0 … team-39, one Rollout (app-<n>) and one Ingress each.
    await writeClusterState(root, join(dir, 'state'), 40);
  });
  afterAll(async () => {
    child?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('answers "touch" on stdin with what it changed, as the watch shows it', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench/fake-cluster.ts'), join(dir, 'state'), kubeconfig],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const nextLine = async () => JSON.parse((await lines.next()).value as string) as JsonObject;
    const serving = await nextLine();
    expect(serving['objects']).toBe(161);
    const port = serving['port'] as number;
    const token = tokenOf(await readFile(kubeconfig, 'utf8'));
    const listed = await getJson(port, token, ROLLOUTS);
    const before = Number((listed['metadata'] as JsonObject)['resourceVersion']);
    const watch = watchRollouts(port, token, String(before));
    try {
      await watch.opened;

      child.stdin!.write('touch\n');
      const answer = (await nextLine())['touched'] as unknown as Touched;

      expect(answer).toEqual<Touched>({
        namespaces: ['team-0', 'team-10', 'team-20', 'team-30'],
        rollouts: 4,
        ingresses: 4,
        resourceVersion: before + 4,
      });
      const events = await watch.events(4);
      expect(events.map((e) => `${e.type} ${e.namespace}/${e.name} ${e.label}`).sort()).toEqual([
        'MODIFIED team-0/app-0 1',
        'MODIFIED team-10/app-10 1',
        'MODIFIED team-20/app-20 1',
        'MODIFIED team-30/app-30 1',
      ]);
      expect(events.map((e) => e.rv).sort()).toEqual([before + 1, before + 2, before + 3, before + 4]);

      child.stdin!.write('shuffle\n');
      expect(await nextLine()).toEqual({ error: 'unknown command "shuffle"' });
    } finally {
      watch.close();
    }
  });
});
