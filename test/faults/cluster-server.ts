/**
 * The real webhook server (in-process `startServer`, real TLS) watching a fake apiserver
 * through a kubeconfig file, seeded with the quickstart manifests, with fast cache timings.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ResourceKind } from '../../src/cluster/cluster-state.js';
import type { StreamTiming } from '../../src/cluster/resource-stream.js';
import type { ServeOptions } from '../../src/commands/options.js';
import type { JsonObject } from '../../src/routing/model.js';
import { FAST_STREAM_TIMING, type ListWatchApiServer } from '../cluster/list-watch-apiserver.js';
import { startHarness, type Harness } from '../webhook/harness.js';

const KINDS: Record<string, ResourceKind> = {
  Rollout: 'rollouts',
  Ingress: 'ingresses',
  Service: 'services',
  IngressClass: 'ingressclasses',
};

/** Puts the quickstart manifests into the fake apiserver. */
export async function seedQuickstart(fake: ListWatchApiServer): Promise<void> {
  const text = await readFile('examples/quickstart/app.yaml', 'utf8');
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as JsonObject;
    const kind = KINDS[obj['kind'] as string];
    if (kind) fake.upsert(kind, obj);
  }
}

export interface ClusterServer {
  fake: ListWatchApiServer;
  h: Harness;
  close(): Promise<void>;
}

/** Starts the webhook against `fake` (started and seeded by the caller, or killed on purpose). */
export async function startAgainst(
  fake: ListWatchApiServer,
  cacheTiming: Partial<StreamTiming> = {},
  overrides: Partial<ServeOptions> = {},
): Promise<ClusterServer> {
  const dir = await mkdtemp(join(tmpdir(), 'rtw-kube-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, fake.kubeconfigYaml());
  const h = await startHarness({
    state: [],
    kubeconfig,
    tuning: { cacheTiming: { ...FAST_STREAM_TIMING, ...cacheTiming } },
    ...overrides,
  });
  return {
    fake,
    h,
    async close() {
      await h.close();
      await fake.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function eventually(check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(20);
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads one sample of a metric from the Prometheus text, e.g. a gauge with its labels. */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no metric ${series}`);
  return Number(line.slice(series.length + 1));
}
