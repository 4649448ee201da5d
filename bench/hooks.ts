/**
 * `npm run bench:hooks`: what each hook costs in-process, without sockets, TLS or HTTP. The
 * same clusters and reviews as `npm run bench` (bench/fixtures.ts), loaded from manifest files
 * into one process that runs the built code (dist/), as `serve --state` does.
 *
 * For each hook: the median time per review over batches, for JSON.parse of the body alone and
 * for parse + `answerReview` + the response text (what the route does between the body and the
 * socket, metrics and logging aside); their difference is the hook's own cost. With
 * `--expose-gc` (the script passes it), also the bytes allocated per review.
 *
 * These figures move far less from run to run than the saturation figures (no network, no
 * second process), so they are the ones to compare before and after a change to a hook; the
 * throughput targets are still judged by `npm run bench`.
 *
 * Options: --hook mutate|validate|route (default: all three), --batches N (default 15),
 * --json FILE (write the figures there as well), --dist DIR (measure that build instead of
 * building dist/: a copy inside the repository, such as `.dist-before/`, so that its imports
 * find node_modules; `.dist-*` is ignored by git), --cpu-prof DIR (a CPU profile of each
 * measuring process, written there; Node refuses --cpu-prof in NODE_OPTIONS), --clock wall|cpu
 * (default wall: elapsed time; cpu: the process's CPU time, user and system, which other work on
 * a busy machine inflates far less than elapsed time, since waiting for a core is not counted).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import {
  mutateReviews,
  routeReviews,
  validateReviews,
  writeBodies,
  writeClusterState,
  writeRouteClusterState,
} from './fixtures.js';
// Types only: the measured code is the built one (dist/), imported by path below.
import type * as FileStateModule from '../src/cluster/file-state.js';
import type * as DispatchModule from '../src/webhook/admission/dispatch.js';
import type * as ResponseModule from '../src/webhook/admission/response.js';
import type * as PolicyModule from '../src/commands/policy.js';

const root = new URL('..', import.meta.url).pathname;
const { values: flags } = parseArgs({
  options: {
    hook: { type: 'string', multiple: true },
    batches: { type: 'string' },
    json: { type: 'string' },
    dist: { type: 'string' },
    'cpu-prof': { type: 'string' },
    clock: { type: 'string' },
    child: { type: 'string' },
  },
});

type HookName = 'mutate' | 'validate' | 'route';
type Clock = 'wall' | 'cpu';

/** Microseconds on the chosen clock since an arbitrary origin. */
function clockMicros(clock: Clock): number {
  if (clock === 'wall') return Number(process.hrtime.bigint()) / 1000;
  const { user, system } = process.cpuUsage();
  return user + system;
}

const HOOKS: Record<HookName, { path: 'mutate' | 'validate'; title: string }> = {
  mutate: { path: 'mutate', title: 'mutate-ingress (Argo CD Ingress UPDATE mid-canary)' },
  validate: { path: 'validate', title: 'validate-rollout (Argo CD Rollout UPDATE)' },
  route: { path: 'mutate', title: 'mutate-httproute (Argo CD HTTPRoute UPDATE mid-canary)' },
};

export interface HookCost {
  hook: HookName;
  title: string;
  body_bytes: number;
  parse_us: number;
  review_us: number;
  hook_us: number;
  allocated_bytes_per_review?: number;
}

const REVIEWS_PER_BATCH = 2000;
const WARMUP_REVIEWS = 6000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? NaN;
}

/** Runs in a child process per hook, so each hook's figures start from a fresh heap. */
async function measureHook(
  hook: HookName,
  stateDir: string,
  bodiesFile: string,
  batches: number,
  dist: string,
  clock: Clock,
) {
  const { FileClusterState } = (await import(join(dist, 'cluster/file-state.js'))) as typeof FileStateModule;
  const { answerReview } = (await import(
    join(dist, 'webhook/admission/dispatch.js')
  )) as typeof DispatchModule;
  const { reviewResponseJson } = (await import(
    join(dist, 'webhook/admission/response.js')
  )) as typeof ResponseModule;
  const { policyFrom } = (await import(join(dist, 'commands/policy.js'))) as typeof PolicyModule;
  // As `serve` runs (src/commands/serve.ts, startServer): no pretenuring of the objects the
  // reviews allocate.
  setFlagsFromString('--no-allocation-site-pretenuring');
  const cluster = new FileClusterState([stateDir]);
  await cluster.start();
  const policy = policyFrom(undefined, undefined);
  const bodies = readFileSync(bodiesFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Buffer.from(line));
  const path = HOOKS[hook].path;
  const origin = { depthMeasuredOnBytes: true } as const;
  let sink = 0;
  const review = (i: number, answer: boolean) => {
    const body: unknown = JSON.parse(bodies[i % bodies.length]!.toString('utf8'));
    if (!answer) return void (sink += body === null ? 0 : 1);
    const outcome = answerReview(path, body, { cluster, policy, deadline: Date.now() + 10_000 }, origin);
    if (outcome.status !== 200) throw new Error(`${hook}: review ${i} answered ${outcome.status}`);
    sink += reviewResponseJson(outcome.body).length;
  };
  for (let i = 0; i < WARMUP_REVIEWS; i++) review(i, true);
  const gc = (globalThis as { gc?: () => void }).gc;
  const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
  const times = { parse: [] as number[], review: [] as number[] };
  const allocated: number[] = [];
  for (let b = 0; b < batches; b++) {
    for (const answer of [false, true]) {
      const started = clockMicros(clock);
      for (let i = 0; i < REVIEWS_PER_BATCH; i++) review(b * REVIEWS_PER_BATCH + i, answer);
      const us = (clockMicros(clock) - started) / REVIEWS_PER_BATCH;
      (answer ? times.review : times.parse).push(us);
    }
    if (gc) {
      // Few enough reviews that no scavenge runs in between: the young space only grows.
      gc();
      const before = newSpace();
      for (let i = 0; i < 20; i++) review(b * 20 + i, true);
      const grown = newSpace() - before;
      if (grown > 0) allocated.push(grown / 20);
    }
  }
  if (sink === 0) throw new Error('no review was answered');
  const parse = median(times.parse);
  const full = median(times.review);
  const cost: HookCost = {
    hook,
    title: HOOKS[hook].title,
    body_bytes: Math.round(bodies.reduce((s, b) => s + b.length, 0) / bodies.length),
    parse_us: Math.round(parse * 10) / 10,
    review_us: Math.round(full * 10) / 10,
    hook_us: Math.round((full - parse) * 10) / 10,
    ...(allocated.length > 0 ? { allocated_bytes_per_review: Math.round(median(allocated)) } : {}),
  };
  console.log(JSON.stringify(cost));
}

async function main(): Promise<void> {
  if (flags.child) {
    const [hook, stateDir, bodiesFile, batches, dist, clock] = flags.child.split(',') as [
      HookName,
      string,
      string,
      string,
      string,
      Clock,
    ];
    await measureHook(hook, stateDir, bodiesFile, Number(batches), dist, clock);
    return;
  }
  const hooks = (flags.hook ?? ['mutate', 'validate', 'route']) as HookName[];
  for (const h of hooks)
    if (!(h in HOOKS)) throw new Error(`--hook must be mutate, validate or route, got ${h}`);
  const batches = Number(flags.batches ?? 15);
  const clock = (flags.clock ?? 'wall') as Clock;
  if (clock !== 'wall' && clock !== 'cpu')
    throw new Error(`--clock must be wall or cpu, got ${String(clock)}`);
  const scratch = mkdtempSync(join(tmpdir(), 'rtw-hooks-'));
  const dist = resolve(flags.dist ?? join(root, 'dist'));
  if (flags.dist === undefined) {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('the build (npm run build) failed');
  }
  const ingressState = join(scratch, 'state');
  const routeState = join(scratch, 'route-state');
  const bodies: Record<HookName, string> = {
    mutate: join(scratch, 'mutate.jsonl'),
    validate: join(scratch, 'validate.jsonl'),
    route: join(scratch, 'routes.jsonl'),
  };
  if (hooks.includes('mutate') || hooks.includes('validate')) await writeClusterState(root, ingressState);
  if (hooks.includes('route')) await writeRouteClusterState(root, routeState);
  if (hooks.includes('mutate')) await writeBodies(bodies.mutate, await mutateReviews(root));
  if (hooks.includes('validate')) await writeBodies(bodies.validate, await validateReviews(root));
  if (hooks.includes('route')) await writeBodies(bodies.route, await routeReviews(root));
  const costs: HookCost[] = [];
  for (const hook of hooks) {
    const state = hook === 'route' ? routeState : ingressState;
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        ...(flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(flags['cpu-prof'])}`] : []),
        '--import',
        'tsx',
        new URL(import.meta.url).pathname,
        '--child',
        [hook, state, bodies[hook], batches, dist, clock].join(','),
      ],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) throw new Error(`${hook}: the measuring process exited with ${child.status}`);
    const cost = JSON.parse(child.stdout.trim().split('\n').pop()!) as HookCost;
    costs.push(cost);
    console.log(
      `${cost.title}: ${cost.hook_us} µs per review in the hook (parse + answer + response ${cost.review_us} µs, ` +
        `JSON.parse ${cost.parse_us} µs of ${cost.body_bytes} bytes)` +
        (cost.allocated_bytes_per_review === undefined
          ? ''
          : `, ${cost.allocated_bytes_per_review} bytes allocated per review`),
    );
  }
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify(costs, null, 2)}\n`);
}

await main();
