/**
 * The cluster-state caches at 40,001 objects, measured on the real `serve` process: time from
 * spawn to /readyz 200 (the first sync of every cache, plus process start) and VmRSS once it
 * has settled. Sources: the fake apiserver of the unit tests (list pages + watch over HTTP)
 * and, when the e2e harness is there, a real kube-apiserver (bench/real-apiserver.ts).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { memoryOf, sleep, startTarget, stopTarget } from './processes.js';
import { realApiserverCaches } from './real-apiserver.js';

export interface CacheResult {
  source: string;
  objects: number;
  rss_mb: number;
  sync_s: number;
  node_options?: string;
  note?: string;
}

export interface CacheContext {
  root: string;
  scratch: string;
  stateDir: string;
  certDir: string;
  objects: number;
  quick: boolean;
}

const PORT = 18446;
/** Settle time before RSS is read: the sync's garbage is collected by then. */
const SETTLE_MS = 3000;

/**
 * Node flags compared for the serve process: the defaults, a small young generation (V8
 * otherwise grows it to 2 x 64 MiB during the sync and keeps it), and that plus an old-space
 * cap (the Helm chart sets --max-old-space-size from the memory limit).
 */
export const NODE_OPTION_VARIANTS = [
  '',
  '--max-semi-space-size=2',
  '--max-semi-space-size=2 --max-old-space-size=128',
];

export async function serveFromKubeconfig(
  ctx: CacheContext,
  source: string,
  kubeconfig: string,
  nodeOptions: string,
): Promise<CacheResult> {
  const env = { ...process.env, NODE_OPTIONS: nodeOptions };
  const target = await startTarget(
    `serve (${source})`,
    process.execPath,
    [
      join(ctx.root, 'bin/rollouts-traffic-webhook.js'),
      'serve',
      '--kubeconfig',
      kubeconfig,
      '--cert-dir',
      ctx.certDir,
      '--port',
      String(PORT),
      '--host',
      '127.0.0.1',
      '--log-level',
      'warn',
    ],
    `https://127.0.0.1:${PORT}/readyz`,
    env,
  );
  try {
    await sleep(SETTLE_MS);
    const result: CacheResult = {
      source,
      objects: ctx.objects,
      rss_mb: memoryOf(target.child.pid!).rssMb,
      sync_s: target.readyMs / 1000,
      ...(nodeOptions ? { node_options: nodeOptions } : {}),
    };
    console.log(
      `cache from ${source}${nodeOptions ? ` (${nodeOptions})` : ''}: ready in ${result.sync_s} s, RSS ${result.rss_mb} MiB`,
    );
    return result;
  } finally {
    await stopTarget(target);
  }
}

async function fakeApiserverCaches(ctx: CacheContext): Promise<CacheResult[]> {
  const kubeconfig = join(ctx.scratch, 'kubeconfig-fake');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ctx.root, 'bench/fake-cluster.ts'), ctx.stateDir, kubeconfig],
    {
      cwd: ctx.root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fake apiserver exited with ${code}`)));
    });
    const served = JSON.parse(line) as { objects: number };
    if (served.objects !== ctx.objects)
      throw new Error(`fake apiserver holds ${served.objects} objects, not ${ctx.objects}`);
    const results: CacheResult[] = [];
    for (const options of ctx.quick ? [''] : NODE_OPTION_VARIANTS)
      results.push(await serveFromKubeconfig(ctx, 'fake-apiserver', kubeconfig, options));
    return results;
  } finally {
    child.kill('SIGTERM');
  }
}

export async function measureCaches(ctx: CacheContext): Promise<CacheResult[]> {
  const results = await fakeApiserverCaches(ctx);
  if (!ctx.quick) results.push(...(await realApiserverCaches(ctx)));
  return results;
}
